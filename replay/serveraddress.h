#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace replay {

/// One resolved address of the server (its port is set per connection).
struct ServerAddress
{
    sockaddr_storage address{};
    socklen_t length = 0;
};

/// Resolves `host` (a name or an address) into every address to try, in getaddrinfo's order.
/// Returns false with `error` naming the host and the reason.
bool resolveServer(const std::string &host, std::vector<ServerAddress> *addresses,
                   std::string *error);

/// "192.0.2.7:5000" or "[2001:db8::1]:5000".
std::string addressText(const ServerAddress &address, std::uint16_t port);

} // namespace replay
