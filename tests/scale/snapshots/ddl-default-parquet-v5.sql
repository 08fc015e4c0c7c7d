CREATE EXTERNAL TABLE IF NOT EXISTS flowlogs.vpc_default_parquet_v5 (
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
  `log_status` string,
  `vpc_id` string,
  `subnet_id` string,
  `instance_id` string,
  `tcp_flags` int,
  `type` string,
  `pkt_srcaddr` string,
  `pkt_dstaddr` string,
  `region` string,
  `az_id` string,
  `sublocation_type` string,
  `sublocation_id` string,
  `pkt_src_aws_service` string,
  `pkt_dst_aws_service` string,
  `flow_direction` string,
  `traffic_path` int
)
PARTITIONED BY (`accid` string, `aws_region` string, `day` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
LOCATION 's3://org-flow-logs/AWSLogs/'
TBLPROPERTIES (
  "projection.enabled"="true",
  "projection.accid.type"="injected",
  "projection.aws_region.type"="injected",
  "projection.day.type"="date",
  "projection.day.range"="2024/01/01,NOW",
  "projection.day.format"="yyyy/MM/dd",
  "projection.day.interval"="1",
  "projection.day.interval.unit"="DAYS",
  "storage.location.template"="s3://org-flow-logs/AWSLogs/${accid}/vpcflowlogs/${aws_region}/${day}"
)
