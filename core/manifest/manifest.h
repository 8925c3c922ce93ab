#pragma once

// The manifest, DIR/manifest.jsonl: the capture's proof, one JSON line per closed file, deleted
// or lost file and run start or stop. Its three parts:
#include "core/manifest/record.h" // the line format: SplitMode, the records, writing them
#include "core/manifest/verify.h" // reading a manifest back: verify, leftovers of a crash
#include "core/manifest/writer.h" // ManifestWriter: appends lines, keeps and retries them
