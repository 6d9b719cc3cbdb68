; Rust (graphmem/ingest/rust.py). Capture names are the contract with the parser.
(struct_item) @type
(enum_item) @type
(union_item) @type
(trait_item) @trait
(impl_item) @impl
(mod_item) @mod
(function_item) @function
(function_signature_item) @function
(use_declaration) @use
(call_expression) @call
(let_declaration) @let
(parameter) @param
(field_declaration) @field
(macro_invocation) @macro
(macro_definition) @macro_rules
(for_expression) @for
(closure_expression) @closure
