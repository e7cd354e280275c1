-- A generator without max-events: endless rows.
CREATE STREAM n WITH (connector = 'nexmark', table = 'bid');
SELECT * FROM n EMIT CHANGES;
SELECT auction FROM n WHERE price > 0 EMIT CHANGES LIMIT 2000000000;
