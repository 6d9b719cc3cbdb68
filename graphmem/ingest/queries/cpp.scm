; C++ (graphmem/ingest/c_family.py), read after c.scm. Capture names are the contract.
(class_specifier body: (_)) @type
(namespace_definition) @namespace
(new_expression) @new
(field_declaration) @field
(using_declaration) @using
(alias_declaration) @alias
(type_definition) @typedef
(field_initializer) @initializer
