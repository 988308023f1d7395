(module (memory (export "memory") 3))
