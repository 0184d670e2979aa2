{
  "targets": [
    {
      "target_name": "udp_io",
      "sources": ["src/udp_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
