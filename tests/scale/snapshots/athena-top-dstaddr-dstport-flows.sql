SELECT
  "t5"."dstaddr",
  "t5"."dstport",
  "t5"."flows",
  "t5"."packets",
  "t5"."bytes",
  "t5"."bps",
  "t5"."pps",
  "t5"."bpp",
  "t5"."first",
  "t5"."last",
  "t5"."share"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t2"."dstaddr",
      "t2"."dstport",
      "t2"."flows",
      "t2"."packets",
      "t2"."bytes",
      CAST((
        CAST("t2"."bytes" AS DOUBLE) * 8
      ) AS DOUBLE) / IF(
        (
          "t2"."_last" - "t2"."_first"
        ) IS NULL,
        CAST(NULL AS DOUBLE),
        CAST(GREATEST("t2"."_last" - "t2"."_first", 1) AS DOUBLE)
      ) AS "bps",
      CAST("t2"."packets" AS DOUBLE) / IF(
        (
          "t2"."_last" - "t2"."_first"
        ) IS NULL,
        CAST(NULL AS DOUBLE),
        CAST(GREATEST("t2"."_last" - "t2"."_first", 1) AS DOUBLE)
      ) AS "pps",
      IF(
        "t2"."packets" > 0,
        CAST("t2"."bytes" AS DOUBLE) / CAST("t2"."packets" AS DOUBLE),
        CAST(NULL AS DOUBLE)
      ) AS "bpp",
      "t2"."_first" AS "first",
      "t2"."_last" AS "last",
      IF(
        SUM(CAST("t2"."flows" AS DOUBLE)) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) = 0,
        CAST(NULL AS DOUBLE),
        CAST("t2"."flows" AS DOUBLE) / SUM(CAST("t2"."flows" AS DOUBLE)) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      ) AS "share",
      COALESCE(CAST("t2"."flows" AS DOUBLE), CAST(-1.0 AS DOUBLE)) AS "_rank"
    FROM (
      SELECT
        "t1"."dstaddr",
        "t1"."dstport",
        COUNT(*) AS "flows",
        SUM(COALESCE("t1"."packets", 0)) AS "packets",
        SUM(COALESCE("t1"."bytes", 0)) AS "bytes",
        MIN("t1"."start") AS "_first",
        MAX("t1"."end") AS "_last"
      FROM (
        SELECT
          *
        FROM "flowlogs"."vpc_flow_logs" AS "t0"
        WHERE
          TRUE
          AND COALESCE("t0"."log_status" = 'OK', TRUE)
          AND "t0"."srcaddr" IS NOT NULL
          AND "t0"."dstaddr" IS NOT NULL
          AND "t0"."dstport" IS NOT NULL
      ) AS "t1"
      GROUP BY
        1,
        2
    ) AS "t2"
  ) AS "t3"
  ORDER BY
    "t3"."_rank" DESC,
    "t3"."dstaddr" ASC,
    "t3"."dstport" ASC
  LIMIT 20
) AS "t5"
