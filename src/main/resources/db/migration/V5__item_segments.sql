-- Segmented downloads (API.md 1.1): each segment of an item's file as start-end:stored (end exclusive, stored the
-- bytes kept from its start without a gap), comma-separated; NULL for an item fetched over one connection. A
-- column rather than a table: the row is written on every progress tick, and one column more costs nothing there.
ALTER TABLE items ADD COLUMN segments VARCHAR(2000);
