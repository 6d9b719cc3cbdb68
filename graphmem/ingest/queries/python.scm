; Python (graphmem/ingest/python.py). Capture names are the contract with the parser.
(class_definition) @class
(function_definition) @function
(call function: (_) @call)
(import_statement) @import
(import_from_statement) @import_from
(future_import_statement) @import_future
(assignment) @assign
(for_statement left: (_) @for_target)
(for_in_clause left: (_) @comprehension_target)
(as_pattern alias: (_) @as_target)
(named_expression name: (identifier) @walrus)
(if_statement condition: (_) @condition)
(elif_clause condition: (_) @condition)
(return_statement) @return
