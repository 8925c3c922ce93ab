#include "replay/serveraddress.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>

namespace replay {

bool resolveServer(const std::string &host, std::vector<ServerAddress> *addresses,
                   std::string *error)
{
    std::string name = host;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']')
        name = name.substr(1, name.size() - 2);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const int result = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
    if (result != 0) {
        *error = "cannot resolve server '" + host +
                 "': " + (result == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(result));
        return false;
    }
    for (const addrinfo *a = found; a; a = a->ai_next) {
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
            continue;
        ServerAddress address;
        std::memcpy(&address.address, a->ai_addr, a->ai_addrlen);
        address.length = a->ai_addrlen;
        addresses->push_back(address);
    }
    ::freeaddrinfo(found);
    if (addresses->empty()) {
        *error = "cannot resolve server '" + host + "': no IPv4 or IPv6 address";
        return false;
    }
    return true;
}

std::string addressText(const ServerAddress &address, std::uint16_t port)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.address.ss_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(&address.address)->sin_addr,
                    text, sizeof text);
        return std::string(text) + ":" + std::to_string(port);
    }
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(&address.address)->sin6_addr,
                text, sizeof text);
    return std::string("[") + text + "]:" + std::to_string(port);
}

} // namespace replay
