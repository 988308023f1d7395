# Corner cases for the C generator: C keywords as names, a model that
# references itself and a cycle through another model (Node -> Leaf -> Node), every map value
# type, validators on every numeric kind at their extremes, and a default
# string that needs escaping (quotes, backslash, "??" trigraph, UTF-8).

version = "v1alpha"
context = "Node"

enum Kind {
  values = ["Default", "Int", "Static"]
}

model Node {
  description = "a tricky */ description"

  string Int {
    default  = "what??/ \"quoted\" \\ tab\t é"
    accessor = true

    length_validator {
      min = 0
      max = 64
    }
  }

  # First on the wire, so never nil: a model whose encoding starts with 00
  # reads back as a nil model (the format cannot tell them apart).
  model First {
    reference = "Struct"
  }

  model Next {
    reference = "Node"
  }

  model Other {
    reference = "Leaf"
  }

  model_array Children {
    reference    = "Leaf"
    initial_size = 0
  }

  uint64 Default {
    default  = 18446744073709551615
    accessor = true

    limit_validator {
      min = 1
    }
  }

  int64 Static {
    default  = -9223372036854775808
    accessor = true

    limit_validator {
      min = -9223372036854775808
      max = 100
    }
  }

  uint32 U {
    default = 7

    limit_validator {
      max = 4000000000
    }
  }

  float32 F {
    default  = -1.5
    accessor = true

    limit_validator {
      min = -10.5
      max = 10000000000
    }
  }

  float64 D {
    default  = 0.1
    accessor = true

    limit_validator {
      min = -1e300
    }
  }

  uint32_map Counts {
    value = "Leaf"
  }

  int64_map Scores {
    value = "float64"
  }

  uint64_map Flags {
    value = "bool"
  }

  string_map Blobs {
    value = "bytes"
  }

  int32_map Halves {
    value = "float32"
  }

  enum_array Kinds {
    reference    = "Kind"
    initial_size = 0
  }

  enum K {
    reference = "Kind"
    default   = "Static"
    accessor  = true
  }

  enum_map ByKind {
    reference = "Kind"
    value     = "uint64"
  }
}

model Leaf {
  model_array Back {
    reference    = "Node"
    initial_size = 0
  }

  string Name {
    default  = ""
    accessor = true

    regex_validator {
      expression = "^[a-z]*$"
    }

    case_modifier {
      kind = "lower"
    }
  }

  bytes Raw {
    initial_size = 16
    accessor     = true
  }

  bytes_array Data {
    initial_size = 0
  }

  float32_array Fs {
    initial_size = 0
  }

  bool B {
    default  = false
    accessor = true
  }

  int32 Small {
    default  = 0
    accessor = true

    limit_validator {
      min = -5
      max = 5
    }
  }
}

model Struct {
  bool While {
    default = true
  }
}
