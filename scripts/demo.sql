-- Weir demo: declare a Kafka stream with event time, a windowed materialized
-- view over it, and look at the plans Weir compiles for them.
-- Run with: build/cli/weir --echo -f scripts/demo.sql

-- Bids arriving on the Kafka topic 'bids' as JSON. Event time is date_time;
-- the watermark lets rows arrive up to 4 seconds out of order.
CREATE STREAM bids (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR,
  date_time TIMESTAMP(3),
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (connector = 'kafka', topic = 'bids', format = 'json');

SHOW STREAMS;
DESCRIBE bids;

-- A push query: every bid above 1000, as it arrives.
EXPLAIN SELECT auction, bidder, price, date_time
  FROM bids
  WHERE price > 1000
  EMIT CHANGES;

-- Per auction and 10-second window: how many bids, and the highest price.
EXPLAIN CREATE MATERIALIZED VIEW auction_stats AS
  SELECT window_start, window_end, auction,
         COUNT(*) AS bids, MAX(price) AS top_price
  FROM TUMBLE(bids, date_time, INTERVAL '10' SECOND)
  GROUP BY window_start, window_end, auction;

CREATE MATERIALIZED VIEW auction_stats AS
  SELECT window_start, window_end, auction,
         COUNT(*) AS bids, MAX(price) AS top_price
  FROM TUMBLE(bids, date_time, INTERVAL '10' SECOND)
  GROUP BY window_start, window_end, auction;

SHOW VIEWS;
DESCRIBE auction_stats;
