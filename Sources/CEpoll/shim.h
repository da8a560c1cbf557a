// Linux headers that Swift's Glibc module does not include: epoll and eventfd (the event
// loop), and malloc.h (mallopt: the server's malloc arenas, MallocArenas).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <malloc.h>
