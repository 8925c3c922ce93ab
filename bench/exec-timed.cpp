// exec-timed FILE COMMAND [ARG...]: runs COMMAND and writes to FILE the wall-clock time just
// before it started, then its exit status (or signal), user and system CPU seconds to the
// microsecond and its peak RSS, from wait4(2). Exits with COMMAND's status (128 + signal).
// GNU time rounds CPU to 10 ms; a Python wrapper would lend the command its own 10 MB of RSS
// (the peak RSS a process reports includes what it had before exec).

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: exec-timed FILE COMMAND [ARG...]\n");
        return 2;
    }
    FILE *out = std::fopen(argv[1], "w");
    if (!out) {
        std::fprintf(stderr, "exec-timed: cannot write %s: %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    timespec start{};
    ::clock_gettime(CLOCK_REALTIME, &start);
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::fprintf(stderr, "exec-timed: fork: %s\n", std::strerror(errno));
        return 2;
    }
    if (pid == 0) {
        ::execvp(argv[2], argv + 2);
        std::fprintf(stderr, "exec-timed: cannot run %s: %s\n", argv[2], std::strerror(errno));
        ::_exit(127);
    }
    std::fprintf(out, "start %lld.%06ld\n", static_cast<long long>(start.tv_sec),
                 start.tv_nsec / 1000);
    std::fflush(out);
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            std::fprintf(stderr, "exec-timed: wait4: %s\n", std::strerror(errno));
            return 2;
        }
    }
    int code = 0;
    if (WIFSIGNALED(status)) {
        code = 128 + WTERMSIG(status);
        std::fprintf(out, "signal %d\n", WTERMSIG(status));
    } else {
        code = WEXITSTATUS(status);
    }
    std::fprintf(out, "status %d\nutime %ld.%06ld\nstime %ld.%06ld\nmaxrss_kib %ld\n", code,
                 usage.ru_utime.tv_sec, long(usage.ru_utime.tv_usec), usage.ru_stime.tv_sec,
                 long(usage.ru_stime.tv_usec), usage.ru_maxrss);
    std::fclose(out);
    return code;
}
