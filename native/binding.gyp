{
  "targets": [
    {
      "target_name": "elbo_native",
      "sources": ["elbo_native.c", "lda_native.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-fno-strict-aliasing"],
      "libraries": ["-lpthread", "-lm"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
