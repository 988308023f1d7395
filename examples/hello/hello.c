/*
 * The smallest WASI command: build it for wasm32-wasi and run it with
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -o hello.wasm hello.c
 *   scale wasm run hello.wasm world
 */
#include <stdio.h>

int main(int argc, char **argv) {
  printf("Hello, %s!\n", argc > 1 ? argv[1] : "Scale");
  return 0;
}
