; C (graphmem/ingest/c_family.py). Capture names are the contract with the parser.
(preproc_include) @include
(function_definition) @function
(declaration) @declaration
(struct_specifier body: (_)) @type
(union_specifier body: (_)) @type
(enum_specifier body: (_)) @type
(call_expression) @call
(parameter_declaration) @param
