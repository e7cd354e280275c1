-- A generator without number-of-rows and a filter that never passes: no
-- row ever arrives, and the query never ends.
CREATE STREAM d (a INT, s VARCHAR) WITH (connector = 'datagen');
SELECT * FROM d WHERE a <> a EMIT CHANGES;
