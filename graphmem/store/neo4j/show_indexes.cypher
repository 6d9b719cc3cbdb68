// Every index and constraint-backing index, to create only what is missing and to find the
// index that serves each search, whatever its name.
SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options, owningConstraint
RETURN name, type, labelsOrTypes, properties, options, owningConstraint
