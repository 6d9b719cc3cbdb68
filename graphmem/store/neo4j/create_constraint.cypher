// `id` is unique within a base label; the constraint's index serves every lookup by id.
CREATE CONSTRAINT {{name}} IF NOT EXISTS
FOR (n{{label}}) REQUIRE n.id IS UNIQUE
