CREATE EXTERNAL TABLE IF NOT EXISTS flowlogs.vpc_default_text_v2 (
  `version` int,
  `account_id` string,
  `interface_id` string,
  `srcaddr` string,
  `dstaddr` string,
  `srcport` int,
  `dstport` int,
  `protocol` bigint,
  `packets` bigint,
  `bytes` bigint,
  `start` bigint,
  `end` bigint,
  `action` string,
  `log_status` string
)
PARTITIONED BY (`accid` string, `aws_region` string, `day` string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://org-flow-logs/AWSLogs/'
TBLPROPERTIES (
  "skip.header.line.count"="1",
  "projection.enabled"="true",
  "projection.accid.type"="enum",
  "projection.accid.values"="111111111111,222222222222",
  "projection.aws_region.type"="enum",
  "projection.aws_region.values"="eu-west-1",
  "projection.day.type"="date",
  "projection.day.range"="2024/01/01,NOW",
  "projection.day.format"="yyyy/MM/dd",
  "projection.day.interval"="1",
  "projection.day.interval.unit"="DAYS",
  "storage.location.template"="s3://org-flow-logs/AWSLogs/${accid}/vpcflowlogs/${aws_region}/${day}"
)
