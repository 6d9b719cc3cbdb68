; TypeScript (and TSX) only, on top of ecmascript.scm.
(abstract_class_declaration) @class
(public_field_definition name: (_) value: [(arrow_function) (function_expression)]) @field_function
(required_parameter pattern: (identifier) type: (type_annotation)) @typed_param
(optional_parameter pattern: (identifier) type: (type_annotation)) @typed_param
(abstract_method_signature) @method
(interface_declaration) @interface
(method_signature) @method
(public_field_definition) @field
(type_alias_declaration name: (type_identifier) value: [(function_type) (object_type) (generic_type) (type_identifier)]) @signature
