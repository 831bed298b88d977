{
  "targets": [
    {
      "target_name": "stderr_guard",
      "sources": ["stderr_guard.c"]
    }
  ]
}
