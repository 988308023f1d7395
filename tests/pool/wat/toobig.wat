;; Needs 5 pages at instantiation, past the test engine's cap of 4.
(module (memory (export "memory") 5))
