// Linux event-loop headers that Swift's Glibc module does not include: epoll and eventfd.
#include <sys/epoll.h>
#include <sys/eventfd.h>
