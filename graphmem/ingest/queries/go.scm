; Go (graphmem/ingest/go.py). Capture names are the contract with the parser.
(package_clause) @package
(type_spec) @type
(type_alias) @alias
(function_declaration) @function
(method_declaration) @method
(call_expression) @call
(import_spec) @import
(parameter_declaration) @param
(short_var_declaration) @short_var
(var_spec) @var
(const_spec) @const
(range_clause) @range
(type_conversion_expression) @conversion
(variadic_parameter_declaration) @param
(type_switch_statement) @type_switch
