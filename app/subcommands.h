#pragma once

#include <QStringList>

/// capture-receiver recover DIR: adopts what a crash left into the manifest. `arguments` are
/// those after "recover". 0: done (or nothing to do); 1: a file could not be read or a line
/// not written, or a receiver is recording there; 2: usage error.
int runRecover(const QStringList &arguments);

/// capture-receiver verify DIR: re-hashes every file the manifest lists. `arguments` are those
/// after "verify". 0: all OK; 1: a file is missing or differs, or a manifest line is invalid;
/// 2: usage error or no manifest.
int runVerify(const QStringList &arguments);
