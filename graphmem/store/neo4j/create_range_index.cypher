CREATE RANGE INDEX {{name}} IF NOT EXISTS
FOR (n{{label}}) ON (n.{{property}})
