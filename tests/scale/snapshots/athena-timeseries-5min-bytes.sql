WITH "t4" AS (
  SELECT
    "t3"."_s",
    "t3"."_e",
    "t3"."_v",
    "t3"."_len",
    "t3"."_k",
    "t3"."_v" * IF(
      "t3"."_len" = 0,
      CAST(1.0 AS DOUBLE),
      CAST(LEAST("t3"."_e", (
        "t3"."_k" + 1
      ) * 300) - GREATEST("t3"."_s", "t3"."_k" * 300) AS DOUBLE) / CAST("t3"."_len" AS DOUBLE)
    ) AS "_m"
  FROM (
    SELECT
      "t2"."_s",
      "t2"."_e",
      "t2"."_v",
      "t2"."_len",
      IF(_u.pos = _u_2.pos_2, _u_2."_k") AS "_k"
    FROM (
      SELECT
        "t1"."_s",
        "t1"."_e",
        "t1"."_v",
        "t1"."_e" - "t1"."_s" AS "_len",
        CAST(FLOOR(CAST((
          "t1"."_s"
        ) AS DOUBLE) / (
          300
        )) AS BIGINT) AS "_b0",
        GREATEST(
          IF(
            (
              "t1"."_e" - "t1"."_s"
            ) > 0,
            -(
              CAST(FLOOR(CAST((
                -(
                  "t1"."_e"
                )
              ) AS DOUBLE) / (
                300
              )) AS BIGINT)
            ) - 1,
            CAST(FLOOR(CAST((
              "t1"."_s"
            ) AS DOUBLE) / (
              300
            )) AS BIGINT)
          ),
          CAST(FLOOR(CAST((
            "t1"."_s"
          ) AS DOUBLE) / (
            300
          )) AS BIGINT)
        ) AS "_b1"
      FROM (
        SELECT
          "t0"."start" AS "_s",
          GREATEST("t0"."end", "t0"."start") AS "_e",
          COALESCE(CAST("t0"."bytes" AS DOUBLE), CAST(0.0 AS DOUBLE)) AS "_v"
        FROM "flowlogs"."vpc_flow_logs" AS "t0"
        WHERE
          TRUE
          AND COALESCE("t0"."log_status" = 'OK', TRUE)
          AND "t0"."srcaddr" IS NOT NULL
          AND "t0"."dstaddr" IS NOT NULL
          AND "t0"."start" IS NOT NULL
          AND "t0"."end" IS NOT NULL
      ) AS "t1"
    ) AS "t2"
    CROSS JOIN UNNEST(SEQUENCE(
      1,
      GREATEST(
        CARDINALITY(
          IF(
            NULLIF(1, 0) IS NOT NULL AND SIGN(1) = SIGN((
              "t2"."_b1" + 1
            ) - "t2"."_b0"),
            ARRAY_REMOVE(SEQUENCE("t2"."_b0", "t2"."_b1" + 1, 1), "t2"."_b1" + 1),
            ARRAY[]
          )
        )
      )
    )) AS _u(pos)
    CROSS JOIN UNNEST(IF(
      NULLIF(1, 0) IS NOT NULL AND SIGN(1) = SIGN((
        "t2"."_b1" + 1
      ) - "t2"."_b0"),
      ARRAY_REMOVE(SEQUENCE("t2"."_b0", "t2"."_b1" + 1, 1), "t2"."_b1" + 1),
      ARRAY[]
    )) WITH ORDINALITY AS _u_2("_k", pos_2)
    WHERE
      _u.pos = _u_2.pos_2
      OR (
        _u.pos > CARDINALITY(
          IF(
            NULLIF(1, 0) IS NOT NULL AND SIGN(1) = SIGN((
              "t2"."_b1" + 1
            ) - "t2"."_b0"),
            ARRAY_REMOVE(SEQUENCE("t2"."_b0", "t2"."_b1" + 1, 1), "t2"."_b1" + 1),
            ARRAY[]
          )
        )
        AND _u_2.pos_2 = CARDINALITY(
          IF(
            NULLIF(1, 0) IS NOT NULL AND SIGN(1) = SIGN((
              "t2"."_b1" + 1
            ) - "t2"."_b0"),
            ARRAY_REMOVE(SEQUENCE("t2"."_b0", "t2"."_b1" + 1, 1), "t2"."_b1" + 1),
            ARRAY[]
          )
        )
      )
  ) AS "t3"
)
SELECT
  *
FROM (
  SELECT
    "t10"."_k" * 300 AS "_time",
    COALESCE("t8"."_sum", CAST(0.0 AS DOUBLE)) AS "_value"
  FROM (
    SELECT
      IF(_u.pos = _u_2.pos_2, _u_2."_k") AS "_k"
    FROM (
      SELECT
        MIN("t5"."_k") AS "_kmin",
        MAX("t5"."_k") AS "_kmax"
      FROM "t4" AS "t5"
    ) AS "t6"
    CROSS JOIN UNNEST(SEQUENCE(
      1,
      GREATEST(
        CARDINALITY(
          IF(
            NULLIF(1, 0) IS NOT NULL
            AND SIGN(1) = SIGN((
              "t6"."_kmax" + 1
            ) - "t6"."_kmin"),
            ARRAY_REMOVE(SEQUENCE("t6"."_kmin", "t6"."_kmax" + 1, 1), "t6"."_kmax" + 1),
            ARRAY[]
          )
        )
      )
    )) AS _u(pos)
    CROSS JOIN UNNEST(IF(
      NULLIF(1, 0) IS NOT NULL
      AND SIGN(1) = SIGN((
        "t6"."_kmax" + 1
      ) - "t6"."_kmin"),
      ARRAY_REMOVE(SEQUENCE("t6"."_kmin", "t6"."_kmax" + 1, 1), "t6"."_kmax" + 1),
      ARRAY[]
    )) WITH ORDINALITY AS _u_2("_k", pos_2)
    WHERE
      _u.pos = _u_2.pos_2
      OR (
        _u.pos > CARDINALITY(
          IF(
            NULLIF(1, 0) IS NOT NULL
            AND SIGN(1) = SIGN((
              "t6"."_kmax" + 1
            ) - "t6"."_kmin"),
            ARRAY_REMOVE(SEQUENCE("t6"."_kmin", "t6"."_kmax" + 1, 1), "t6"."_kmax" + 1),
            ARRAY[]
          )
        )
        AND _u_2.pos_2 = CARDINALITY(
          IF(
            NULLIF(1, 0) IS NOT NULL
            AND SIGN(1) = SIGN((
              "t6"."_kmax" + 1
            ) - "t6"."_kmin"),
            ARRAY_REMOVE(SEQUENCE("t6"."_kmin", "t6"."_kmax" + 1, 1), "t6"."_kmax" + 1),
            ARRAY[]
          )
        )
      )
  ) AS "t10"
  LEFT OUTER JOIN (
    SELECT
      "t5"."_k",
      SUM("t5"."_m") AS "_sum"
    FROM "t4" AS "t5"
    GROUP BY
      1
  ) AS "t8"
    ON "t10"."_k" = "t8"."_k"
) AS "t11"
ORDER BY
  "t11"."_time" ASC
