// {{properties}} is a list of n.`property` built from FULLTEXT_FIELDS. Lucene's English analyzer
// stems words as the embedded store's FTS5 porter tokenizer does ("compressing" finds
// "compress"): both backends match the same words (schema.FULLTEXT_ANALYZER).
CREATE FULLTEXT INDEX {{name}} IF NOT EXISTS
FOR (n{{label}}) ON EACH [{{properties}}]
OPTIONS {indexConfig: {`fulltext.analyzer`: $analyzer}}
