from flownb.cli import main

raise SystemExit(main())
