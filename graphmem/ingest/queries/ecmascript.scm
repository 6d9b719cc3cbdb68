; Shared by JavaScript and TypeScript (graphmem/ingest/ecmascript.py).
; Capture names are the contract with the parser: @class, @function, @method, @field_function, @field,
; @var, @call, @new, @import, @export, @assign, @typed_param, @lambda, @for_of, @return.

(class_declaration) @class
(class) @class
(function_declaration) @function
(generator_function_declaration) @function
(method_definition) @method
(variable_declarator) @var
(call_expression) @call
(new_expression) @new
(import_statement) @import
(export_statement) @export
(assignment_expression left: (member_expression)) @assign
(function_expression) @lambda
(arrow_function) @lambda
(for_in_statement) @for_of
(return_statement) @return
