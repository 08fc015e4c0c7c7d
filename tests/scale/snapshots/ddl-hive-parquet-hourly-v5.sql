CREATE EXTERNAL TABLE IF NOT EXISTS flowlogs.vpc_hive_parquet_hourly_v5 (
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
PARTITIONED BY (`accid` string, `aws_region` string, `year` string, `month` string, `day` string, `hour` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
LOCATION 's3://org-flow-logs/AWSLogs/'
TBLPROPERTIES (
  "projection.enabled"="true",
  "projection.accid.type"="injected",
  "projection.aws_region.type"="enum",
  "projection.aws_region.values"="us-east-1",
  "projection.year.type"="integer",
  "projection.year.range"="2024,2100",
  "projection.month.type"="integer",
  "projection.month.range"="1,12",
  "projection.month.digits"="2",
  "projection.day.type"="integer",
  "projection.day.range"="1,31",
  "projection.day.digits"="2",
  "projection.hour.type"="integer",
  "projection.hour.range"="0,23",
  "projection.hour.digits"="2",
  "storage.location.template"="s3://org-flow-logs/AWSLogs/aws-account-id=${accid}/aws-service=vpcflowlogs/aws-region=${aws_region}/year=${year}/month=${month}/day=${day}/hour=${hour}"
)
