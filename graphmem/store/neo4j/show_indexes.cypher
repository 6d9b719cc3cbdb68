// Every index and constraint-backing index, to create only what is missing and to read settings.
SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options
RETURN name, type, labelsOrTypes, properties, options
