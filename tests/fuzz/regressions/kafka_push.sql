-- A Kafka topic is unbounded too, and would start the embedded broker.
CREATE STREAM k (a INT) WITH (connector = 'kafka', topic = 't', format = 'json');
SELECT * FROM k UNION ALL SELECT * FROM k EMIT CHANGES;
