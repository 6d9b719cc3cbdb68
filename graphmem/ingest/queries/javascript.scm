; JavaScript only: class fields initialised with a function are methods.
(field_definition property: (_) value: [(arrow_function) (function_expression)]) @field_function
(field_definition) @field
