WITH "t4" AS (
  SELECT
    "t3"."_s",
    "t3"."_e",
    "t3"."_v",
    "t3"."_len",
    "t3"."action",
    "t3"."_k",
    "t3"."_v" AS "_m"
  FROM (
    SELECT
      "t2"."_s",
      "t2"."_e",
      "t2"."_v",
      "t2"."_len",
      "t2"."action",
      IF(_u.pos = _u_2.pos_2, _u_2."_k") AS "_k"
    FROM (
      SELECT
        "t1"."_s",
        "t1"."_e",
        "t1"."_v",
        "t1"."action",
        "t1"."_e" - "t1"."_s" AS "_len",
        CAST(FLOOR(CAST((
          "t1"."_s"
        ) AS DOUBLE) / (
          60
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
                60
              )) AS BIGINT)
            ) - 1,
            CAST(FLOOR(CAST((
              "t1"."_s"
            ) AS DOUBLE) / (
              60
            )) AS BIGINT)
          ),
          CAST(FLOOR(CAST((
            "t1"."_s"
          ) AS DOUBLE) / (
            60
          )) AS BIGINT)
        ) AS "_b1"
      FROM (
        SELECT
          "t0"."start" AS "_s",
          GREATEST("t0"."end", "t0"."start") AS "_e",
          CAST(1.0 AS DOUBLE) AS "_v",
          "t0"."action"
        FROM "flowlogs"."vpc_flow_logs" AS "t0"
        WHERE
          TRUE
          AND COALESCE("t0"."log_status" = 'OK', TRUE)
          AND "t0"."srcaddr" IS NOT NULL
          AND "t0"."dstaddr" IS NOT NULL
          AND "t0"."start" IS NOT NULL
          AND "t0"."end" IS NOT NULL
          AND "t0"."action" IS NOT NULL
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
), "t7" AS (
  SELECT
    "t5"."_k",
    "t5"."action",
    SUM("t5"."_m") AS "_sum"
  FROM "t4" AS "t5"
  GROUP BY
    1,
    2
)
SELECT
  *
FROM (
  SELECT
    "t13"."_k" * 60 AS "_time",
    "t11"."action",
    COALESCE("t9"."_sum", CAST(0.0 AS DOUBLE)) AS "_value"
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
  ) AS "t13"
  CROSS JOIN (
    SELECT DISTINCT
      "t8"."action"
    FROM "t7" AS "t8"
  ) AS "t11"
  LEFT OUTER JOIN "t7" AS "t9"
    ON "t13"."_k" = "t9"."_k" AND "t11"."action" = "t9"."action"
) AS "t14"
ORDER BY
  "t14"."_time" ASC,
  "t14"."action" ASC
