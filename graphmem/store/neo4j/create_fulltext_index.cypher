// {{properties}} is a list of n.`property` built from FULLTEXT_FIELDS.
CREATE FULLTEXT INDEX {{name}} IF NOT EXISTS
FOR (n{{label}}) ON EACH [{{properties}}]
