{
  "targets": [
    {
      "target_name": "ebpfsh_native",
      "sources": ["src/addon.cc", "src/session.cc", "src/ring_reader.cc", "src/errors.cc", "src/tracefs.cc", "src/map_swap.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["<!@(pkg-config --libs libbpf)"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}
