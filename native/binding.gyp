{
  "targets": [
    {
      "target_name": "elbo_native",
      "sources": ["elbo_native.c"],
      "cflags": ["-O3", "-std=gnu11", "-fno-strict-aliasing"],
      "libraries": ["-lpthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
