/*
 * udp-io: UDP sockets for RTP without Node's per-packet costs.
 *
 * Why (docs/adr/0006-native-udp-io.md): with node:dgram every datagram costs a
 * 64 KiB allocation for recvmsg, a Buffer and an `rinfo` object, a JavaScript
 * callback, and for every send a SendWrap and dgram's argument handling — at 1,000
 * calls (100,000 datagrams/s) that is more CPU than all of our media code. Here one
 * epoll set holds every socket of a "set"; when any is readable, one libuv callback
 * reads all ready sockets into one slab and calls JavaScript ONCE with the count; the
 * packets are (slot, offset, length, source) records in an Int32Array. Sends are a
 * plain send(2)/sendto(2) from a view the caller owns: no copy, no object.
 *
 * IPv4 only (RTP on IPv6 keeps node:dgram). Everything lives in the set (no globals),
 * so sets work in worker threads, each on its own thread's loop.
 *
 * JavaScript interface (lib/index.ts wraps it):
 *   create(slab: ArrayBuffer, meta: ArrayBuffer, onBatch: (count) => void, parts = 0) -> set
 *   open(set, ip: string, port: number, rcvbuf: number) -> slot >= 0 | -errno
 *   localPort(set, slot) -> port | -errno
 *   connect(set, slot, ip: string, port: number) -> 0 | -errno   (port 0: disconnect)
 *   send(set, slot, view: Uint8Array) -> bytes | -errno           (connected socket)
 *   sendTo(set, slot, view: Uint8Array, ipv4: number, port: number) -> bytes | -errno
 *   drain(set, slot) -> datagrams read now and handed to onBatch before it returns | -errno
 *                       (-EBUSY when called from inside onBatch)
 *   poll(set) -> datagrams read from the next paced part and handed to onBatch before it
 *               returns | -errno (-EBUSY inside onBatch); 0 when the set is not paced
 *   closeSlot(set, slot) -> 0
 *   destroy(set) -> undefined      (closes every socket; the set is unusable after)
 *
 * Paced reads (parts >= 2, ADR 0006 amendment "paced reads"): a socket is read on
 * readiness until its first datagram (latching and the first packet are not delayed);
 * then it is "paced": it stays in the epoll set for errors only, and poll() reads it,
 * one part (slot % parts) per call: the caller polls one part per media tick, so each
 * socket is read every `parts` ticks, several datagrams per recvmmsg, and its arrivals
 * no longer wake the thread. Sockets that never receive (RTCP unused) stay on
 * readiness and cost nothing. poll() reads the part's paced sockets directly, not
 * through a second epoll set: since Linux 6.10 UDP wakes a socket's waiters only when
 * its queue goes from empty to not empty, and paced sets read that way were seen to
 * miss sockets for seconds under load (BENCHMARKS.md §4).
 *
 * Meta record per packet (META_INTS int32): slot, offset, length, source IPv4 (host
 * order, as int32), source port, errno (0, or a socket error for that slot with
 * length 0: ICMP port unreachable on a connected socket and the like).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#define META_INTS 6
#define MAX_EVENTS 256
/* Datagrams read from one socket per wake-up before moving on (fairness), as libuv
   does for dgram: a backlog of up to 640 ms of one call's audio is read in one turn. */
#define MAX_PER_SOCKET 32
/* drain() reads at most this many datagrams (1.28 s of 20 ms audio). */
#define MAX_DRAIN 64
/* RTP never needs more; a larger datagram is truncated and reported as such. */
#define MAX_DATAGRAM 2048
/* A paced socket is read until empty, up to this many datagrams (a full default receive
   buffer of small datagrams). */
#define MAX_PACED_READ 256
/* Paced sets per thread at most (a read interval of 64 media ticks). */
#define MAX_PARTS 64

typedef struct {
  napi_env env;
  napi_ref on_batch;
  napi_ref slab_ref;
  napi_ref meta_ref;
  napi_async_context async_ctx;
  uint8_t* slab;
  size_t slab_len;
  int32_t* meta;
  size_t meta_records;
  int epfd;
  uv_poll_t poll;
  int poll_started;
  int destroyed;
  /* Owners of this struct: the JavaScript external and the uv poll handle. */
  int refs;
  int poll_closed;
  /* onBatch is running: the slab and meta are being read (drain() must not refill them). */
  int in_batch;
  /* Paced reads: sockets spread over `parts` parts read by poll() (0: none, every socket on readiness). */
  int parts;
  int next_part;
  /* Inside poll(): deliver() calls onBatch plainly (JavaScript is on the stack). */
  int plain;
  int plain_failed;
  size_t delivered;
  size_t open_count;
  napi_async_cleanup_hook_handle cleanup;
  /* slot -> fd (-1 free) */
  int* fds;
  /* slot -> 1 when the socket is paced (it has received: poll() reads it), else 0 */
  uint8_t* paced;
  size_t slots;
  int* free_list;
  size_t free_count;
} io_set;

#define CHECK(call)                                  \
  do {                                               \
    if ((call) != napi_ok) {                         \
      napi_throw_error(env, NULL, "udp-io: " #call); \
      return NULL;                                   \
    }                                                \
  } while (0)

static napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

static io_set* get_set(napi_env env, napi_value v) {
  io_set* s = NULL;
  if (napi_get_value_external(env, v, (void**)&s) != napi_ok || s == NULL || s->destroyed) {
    napi_throw_error(env, NULL, "udp-io: not an open socket set");
    return NULL;
  }
  return s;
}

static int get_slot_fd(io_set* s, int32_t slot) {
  if (slot < 0 || (size_t)slot >= s->slots) return -1;
  return s->fds[slot];
}

/* onBatch(count) as a plain call, for drain() and poll(): JavaScript is on the stack (no
   callback scope to open), and an exception from onBatch stays pending for their caller. */
static napi_status call_on_batch(io_set* s, size_t count) {
  napi_env env = s->env;
  napi_value fn, recv, arg, result;
  napi_get_reference_value(env, s->on_batch, &fn);
  napi_get_global(env, &recv);
  napi_create_uint32(env, (uint32_t)count, &arg);
  s->in_batch = 1;
  napi_status st = napi_call_function(env, recv, fn, 1, &arg, &result);
  s->in_batch = 0;
  return st;
}

/* Call JavaScript with the records gathered so far. */
static void deliver(io_set* s, size_t count) {
  if (count == 0) return;
  napi_env env = s->env;
  if (s->plain) {
    /* poll(): an exception from onBatch stops the poll and propagates to its caller. */
    if (s->plain_failed) return;
    s->delivered += count;
    if (call_on_batch(s, count) != napi_ok) s->plain_failed = 1;
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, result;
  napi_get_reference_value(env, s->on_batch, &fn);
  napi_get_global(env, &recv); /* make_callback needs an object as `this` */
  napi_create_uint32(env, (uint32_t)count, &arg);
  /* make_callback: runs process.nextTick and microtasks afterwards, like any I/O callback. */
  s->in_batch = 1;
  napi_status st = napi_make_callback(env, s->async_ctx, recv, fn, 1, &arg, &result);
  s->in_batch = 0;
  if (st == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

/* Read one socket's queued datagrams into the slab: one recvmmsg(2) per round, as many
   datagrams as the slab and meta have room for, until the socket is empty or `max`
   were read. A full slab is handed to JavaScript first. Returns -1 if the set was
   destroyed meanwhile (stop), else the number of datagrams read. Each record gets a MAX_DATAGRAM stretch of the
   slab: recvmmsg fills every buffer before it says how long the datagrams were. */
static int read_socket(io_set* s, int32_t slot, int max, size_t* rec, size_t* off) {
  struct mmsghdr msgs[MAX_PER_SOCKET];
  struct iovec iovs[MAX_PER_SOCKET];
  struct sockaddr_in froms[MAX_PER_SOCKET];
  int done = 0;
  while (done < max) {
    if (s->destroyed) return -1;
    int fd = get_slot_fd(s, slot);
    if (fd < 0) return done; /* closed by JavaScript during this batch */
    size_t room_meta = s->meta_records - *rec;
    size_t room_slab = (s->slab_len - *off) / MAX_DATAGRAM;
    if (room_meta == 0 || room_slab == 0) {
      deliver(s, *rec);
      *rec = 0;
      *off = 0;
      continue;
    }
    size_t want = (size_t)(max - done);
    if (want > MAX_PER_SOCKET) want = MAX_PER_SOCKET;
    if (want > room_meta) want = room_meta;
    if (want > room_slab) want = room_slab;
    for (size_t k = 0; k < want; k++) {
      iovs[k].iov_base = s->slab + *off + k * MAX_DATAGRAM;
      iovs[k].iov_len = MAX_DATAGRAM;
      memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_name = &froms[k];
      msgs[k].msg_hdr.msg_namelen = sizeof froms[k];
      msgs[k].msg_len = 0;
    }
    int got = recvmmsg(fd, msgs, (unsigned)want, MSG_DONTWAIT, NULL);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return done;
      if (errno == EINTR) continue;
      int32_t* m = s->meta + *rec * META_INTS;
      m[0] = slot;
      m[1] = (int32_t)*off;
      m[2] = 0;
      m[3] = 0;
      m[4] = 0;
      m[5] = errno;
      (*rec)++;
      done++;
      continue; /* a queued ICMP error was consumed; datagrams may follow */
    }
    for (int k = 0; k < got; k++) {
      int32_t* m = s->meta + *rec * META_INTS;
      int truncated = (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      m[0] = slot;
      m[1] = (int32_t)(*off + (size_t)k * MAX_DATAGRAM);
      /* Truncated: larger than any RTP we take; reported empty (negative length). */
      m[2] = truncated ? -(int32_t)(MAX_DATAGRAM + 1) : (int32_t)msgs[k].msg_len;
      m[3] = froms[k].sin_family == AF_INET ? (int32_t)ntohl(froms[k].sin_addr.s_addr) : 0;
      m[4] = froms[k].sin_family == AF_INET ? ntohs(froms[k].sin_port) : 0;
      m[5] = 0;
      (*rec)++;
    }
    *off += (size_t)got * MAX_DATAGRAM;
    done += got;
    if ((size_t)got < want) return done; /* the socket is empty */
  }
  return done;
}

/* A socket that has received is paced: read by poll() from now on. It stays in the
   readiness set for errors only (EPOLLERR is always reported): an ICMP error is read at
   once, as before, and does not fail the socket's next send. */
static void make_paced(io_set* s, int32_t slot) {
  int fd = get_slot_fd(s, slot);
  if (fd < 0 || s->paced[slot]) return;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = 0;
  ev.data.u32 = (uint32_t)slot;
  if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) return; /* stays on readiness */
  s->paced[slot] = 1;
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  io_set* s = (io_set*)handle->data;
  if (s->destroyed || status < 0) return;
  struct epoll_event evs[MAX_EVENTS];
  int n = epoll_wait(s->epfd, evs, MAX_EVENTS, 0);
  size_t rec = 0;
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    int32_t slot = (int32_t)evs[i].data.u32;
    int got = read_socket(s, slot, MAX_PER_SOCKET, &rec, &off);
    if (got < 0) return;
    if (got > 0 && s->parts > 1) make_paced(s, slot);
  }
  deliver(s, rec);
}

static void release(io_set* s) {
  if (--s->refs == 0) {
    free(s->fds);
    free(s->paced);
    free(s->free_list);
    free(s);
  }
}

/* Lifetime: the struct is owned by the JavaScript external and by the uv poll handle
   (refs = 2); it is freed when both let go. Closing (shut) happens once, from
   destroy(), the external's finalizer or the environment's teardown, whichever is
   first; the environment's async cleanup hook is removed when the handle has closed,
   so a worker's loop never closes with our handle open. */
static void on_poll_closed(uv_handle_t* h) {
  io_set* s = (io_set*)h->data;
  s->poll_closed = 1;
  if (s->cleanup) {
    napi_remove_async_cleanup_hook(s->cleanup);
    s->cleanup = NULL;
  }
  release(s);
}

/* Close every socket, stop polling and close the handle; JavaScript is not called. */
static void shut(io_set* s) {
  if (s->destroyed) return;
  s->destroyed = 1;
  for (size_t i = 0; i < s->slots; i++)
    if (s->fds[i] >= 0) {
      close(s->fds[i]);
      s->fds[i] = -1;
    }
  if (s->poll_started) uv_poll_stop(&s->poll);
  close(s->epfd);
  s->epfd = -1;
  uv_close((uv_handle_t*)&s->poll, on_poll_closed);
}

/* Only from destroy(): a JavaScript call, where N-API may be used freely. */
static void drop_js_refs(io_set* s, napi_env env) {
  if (s->on_batch) napi_delete_reference(env, s->on_batch);
  if (s->slab_ref) napi_delete_reference(env, s->slab_ref);
  if (s->meta_ref) napi_delete_reference(env, s->meta_ref);
  if (s->async_ctx) napi_async_destroy(env, s->async_ctx);
  s->on_batch = s->slab_ref = s->meta_ref = NULL;
  s->async_ctx = NULL;
}

/* The external is gone (garbage-collected, or the environment is torn down): no
   N-API calls here — at teardown they are not safe; what the references held goes
   with the environment. */
static void finalize_set(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  io_set* s = (io_set*)data;
  shut(s);
  release(s);
}

/* The environment (the main thread or a worker) is shutting down. */
static void cleanup_hook(napi_async_cleanup_hook_handle handle, void* arg) {
  io_set* s = (io_set*)arg;
  if (!s->destroyed) {
    shut(s); /* on_poll_closed removes the hook */
  } else if (s->poll_closed) {
    s->cleanup = NULL;
    napi_remove_async_cleanup_hook(handle);
  } /* else: closing; on_poll_closed removes it */
}

static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "udp-io: create(slab, meta, onBatch, parts?)");
    return NULL;
  }
  int32_t parts = 0;
  if (argc >= 4 && napi_get_value_int32(env, argv[3], &parts) != napi_ok) parts = -1;
  if (parts < 0 || parts > MAX_PARTS) {
    napi_throw_range_error(env, NULL, "udp-io: parts must be 0..64");
    return NULL;
  }
  io_set* s = calloc(1, sizeof(io_set));
  if (!s) {
    napi_throw_error(env, NULL, "udp-io: out of memory");
    return NULL;
  }
  s->env = env;
  void* slab;
  void* meta;
  size_t meta_len;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &slab, &s->slab_len));
  CHECK(napi_get_arraybuffer_info(env, argv[1], &meta, &meta_len));
  s->slab = slab;
  s->meta = meta;
  s->meta_records = meta_len / (META_INTS * sizeof(int32_t));
  if (s->slab_len < MAX_DATAGRAM || s->meta_records == 0) {
    free(s);
    napi_throw_range_error(env, NULL, "udp-io: slab or meta too small");
    return NULL;
  }
  CHECK(napi_create_reference(env, argv[0], 1, &s->slab_ref));
  CHECK(napi_create_reference(env, argv[1], 1, &s->meta_ref));
  CHECK(napi_create_reference(env, argv[2], 1, &s->on_batch));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "udp-io", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &s->async_ctx));
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (s->epfd < 0) {
    free(s);
    napi_throw_error(env, NULL, "udp-io: epoll_create1 failed");
    return NULL;
  }
  if (parts >= 2) s->parts = parts;
  uv_loop_t* loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_init(loop, &s->poll, s->epfd);
  s->poll.data = s;
  s->refs = 2;
  CHECK(napi_add_async_cleanup_hook(env, cleanup_hook, s, &s->cleanup));
  napi_value ext;
  CHECK(napi_create_external(env, s, finalize_set, NULL, &ext));
  return ext;
}

static int ensure_slot(io_set* s) {
  if (s->free_count > 0) return s->free_list[--s->free_count];
  size_t grown = s->slots ? s->slots * 2 : 64;
  int* fds = realloc(s->fds, grown * sizeof(int));
  if (!fds) return -1;
  s->fds = fds;
  uint8_t* pc = realloc(s->paced, grown);
  if (!pc) return -1;
  s->paced = pc;
  memset(s->paced + s->slots, 0, grown - s->slots);
  int* fl = realloc(s->free_list, grown * sizeof(int));
  if (!fl) return -1;
  s->free_list = fl;
  for (size_t i = grown; i > s->slots + 1; i--) {
    s->fds[i - 1] = -1;
    s->free_list[s->free_count++] = (int)(i - 1);
  }
  int slot = (int)s->slots;
  s->fds[slot] = -1;
  s->slots = grown;
  return slot;
}

static int parse_ipv4(napi_env env, napi_value v, struct in_addr* out) {
  char buf[64];
  size_t len;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok) return 0;
  return inet_pton(AF_INET, buf, out) == 1;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  io_set* s = get_set(env, argv[0]);
  if (!s) return NULL;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  if (!parse_ipv4(env, argv[1], &a.sin_addr)) return make_int(env, -EINVAL);
  int32_t port, rcvbuf;
  CHECK(napi_get_value_int32(env, argv[2], &port));
  CHECK(napi_get_value_int32(env, argv[3], &rcvbuf));
  if (port < 0 || port > 65535) return make_int(env, -EINVAL);
  a.sin_port = htons((uint16_t)port);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_int(env, -errno);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr*)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    return make_int(env, -e);
  }
  int slot = ensure_slot(s);
  if (slot < 0) {
    close(fd);
    return make_int(env, -ENOMEM);
  }
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u32 = (uint32_t)slot;
  if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int e = errno;
    close(fd);
    s->free_list[s->free_count++] = slot;
    return make_int(env, -e);
  }
  s->fds[slot] = fd;
  /* Poll only while a socket is open: an idle set does not keep the process alive. */
  if (s->open_count++ == 0) {
    uv_poll_start(&s->poll, UV_READABLE, on_readable);
    s->poll_started = 1;
  }
  return make_int(env, slot);
}

/* The (set, slot, ...) head of every per-socket call: reads up to `n` arguments into
   argv; 0 (an exception pending) unless they start with a live set and a slot number. */
static int set_and_slot(napi_env env, napi_callback_info info, size_t n, napi_value* argv, io_set** s, int32_t* slot) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "udp-io: bad arguments");
    return 0;
  }
  *s = get_set(env, argv[0]);
  if (!*s) return 0;
  if (napi_get_value_int32(env, argv[1], slot) != napi_ok) {
    napi_throw_type_error(env, NULL, "udp-io: the slot must be a number");
    return 0;
  }
  return 1;
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  io_set* s;
  int32_t slot;
  if (!set_and_slot(env, info, 2, argv, &s, &slot)) return NULL;
  int fd = get_slot_fd(s, slot);
  if (fd < 0) return make_int(env, -EBADF);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  if (getsockname(fd, (struct sockaddr*)&a, &len) < 0) return make_int(env, -errno);
  return make_int(env, ntohs(a.sin_port));
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  io_set* s;
  int32_t slot, port;
  if (!set_and_slot(env, info, 4, argv, &s, &slot)) return NULL;
  CHECK(napi_get_value_int32(env, argv[3], &port));
  int fd = get_slot_fd(s, slot);
  if (fd < 0) return make_int(env, -EBADF);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  if (port == 0) {
    a.sin_family = AF_UNSPEC; /* dissolve the association */
  } else {
    a.sin_family = AF_INET;
    if (!parse_ipv4(env, argv[2], &a.sin_addr) || port < 0 || port > 65535) return make_int(env, -EINVAL);
    a.sin_port = htons((uint16_t)port);
  }
  if (connect(fd, (struct sockaddr*)&a, sizeof a) < 0 && !(port == 0 && errno == EAFNOSUPPORT)) return make_int(env, -errno);
  return make_int(env, 0);
}

static int get_view(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  void* p;
  if (napi_get_typedarray_info(env, v, &t, len, &p, &ab, &off) != napi_ok || t != napi_uint8_array) return 0;
  *data = p;
  return 1;
}

/* send(set, slot, view) on the connected socket, or sendTo(set, slot, view, ipv4, port):
   one function, the destination given or not. */
static napi_value send_common(napi_env env, napi_callback_info info, int with_destination) {
  napi_value argv[5];
  io_set* s;
  int32_t slot;
  if (!set_and_slot(env, info, 5, argv, &s, &slot)) return NULL;
  uint8_t* data;
  size_t len;
  if (!get_view(env, argv[2], &data, &len)) {
    napi_throw_type_error(env, NULL, "udp-io: send/sendTo needs a Uint8Array");
    return NULL;
  }
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  if (with_destination) {
    uint32_t ip;
    int32_t port;
    CHECK(napi_get_value_uint32(env, argv[3], &ip));
    CHECK(napi_get_value_int32(env, argv[4], &port));
    if (port <= 0 || port > 65535) return make_int(env, -EINVAL);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons((uint16_t)port);
  }
  int fd = get_slot_fd(s, slot);
  if (fd < 0) return make_int(env, -EBADF);
  ssize_t r;
  do r = sendto(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, with_destination ? (struct sockaddr*)&a : NULL, with_destination ? sizeof a : 0);
  while (r < 0 && errno == EINTR);
  return make_int(env, r < 0 ? -errno : r);
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  return send_common(env, info, 0);
}

static napi_value js_send_to(napi_env env, napi_callback_info info) {
  return send_common(env, info, 1);
}

/* drain(set, slot): read what this socket holds now and hand it to onBatch before
   returning (the caller hung up: its last packets may wait behind other sockets'). */
static napi_value js_drain(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  io_set* s;
  int32_t slot;
  if (!set_and_slot(env, info, 2, argv, &s, &slot)) return NULL;
  if (s->destroyed || get_slot_fd(s, slot) < 0) return make_int(env, -EBADF);
  if (s->in_batch) return make_int(env, -EBUSY);
  size_t rec = 0;
  size_t off = 0;
  if (read_socket(s, slot, MAX_DRAIN, &rec, &off) < 0) return make_int(env, 0);
  /* An exception from onBatch propagates to drain's caller. */
  if (rec > 0 && call_on_batch(s, rec) != napi_ok) return NULL;
  return make_int(env, (int64_t)rec);
}

/* poll(set): read every paced socket of the next part (a round over all `parts` parts
   reads each socket once) and hand the datagrams to onBatch before returning. */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  io_set* s = get_set(env, argv[0]);
  if (!s) return NULL;
  if (s->parts < 2) return make_int(env, 0);
  if (s->in_batch) return make_int(env, -EBUSY);
  int part = s->next_part;
  s->next_part = (s->next_part + 1) % s->parts;
  size_t rec = 0;
  size_t off = 0;
  s->plain = 1;
  s->plain_failed = 0;
  s->delivered = 0;
  /* onBatch may open sockets (s->slots may grow): the bound is read each round. */
  for (size_t slot = (size_t)part; slot < s->slots; slot += (size_t)s->parts) {
    if (s->fds[slot] < 0 || !s->paced[slot]) continue;
    /* Everything it holds (up to a full receive buffer): a busy thread polls late, and a
       per-read cap lower than what arrives meanwhile lets the queue grow until it drops. */
    if (read_socket(s, (int32_t)slot, MAX_PACED_READ, &rec, &off) < 0 || s->plain_failed) break;
  }
  if (!s->destroyed) deliver(s, rec);
  s->plain = 0;
  if (s->plain_failed) return NULL; /* onBatch threw: the exception is pending for poll's caller */
  return make_int(env, (int64_t)s->delivered);
}

static napi_value js_close_slot(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  io_set* s;
  int32_t slot;
  if (!set_and_slot(env, info, 2, argv, &s, &slot)) return NULL;
  int fd = get_slot_fd(s, slot);
  if (fd >= 0) {
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
    s->paced[slot] = 0;
    close(fd);
    s->fds[slot] = -1;
    s->free_list[s->free_count++] = slot;
    if (--s->open_count == 0) {
      uv_poll_stop(&s->poll);
      s->poll_started = 0;
    }
  }
  return make_int(env, 0);
}

/*
 * tuneThread(name, nice): name the calling thread (top -H, ps -L show it; ≤ 15 bytes) and,
 * unless nice is 0, set its scheduling niceness (Linux: per thread). Returns 0 or -errno
 * (EACCES/EPERM: raising a priority needs root or CAP_SYS_NICE; the name is set anyway).
 */
static napi_value js_tune_thread(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[16];
  size_t len = 0;
  int32_t nice_value = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &nice_value) != napi_ok || nice_value < -20 || nice_value > 19) {
    napi_throw_type_error(env, NULL, "tuneThread(name, nice -20..19)");
    return NULL;
  }
  prctl(PR_SET_NAME, name, 0, 0, 0);
  if (nice_value == 0) return make_int(env, 0);
  pid_t tid = (pid_t)syscall(SYS_gettid);
  if (setpriority(PRIO_PROCESS, (id_t)tid, nice_value) != 0) return make_int(env, -errno);
  return make_int(env, 0);
}

static napi_value js_destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  io_set* s = NULL;
  if (napi_get_value_external(env, argv[0], (void**)&s) != napi_ok || s == NULL) return NULL;
  shut(s);
  drop_js_refs(s, env);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL},
    {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
    {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, NULL},
    {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
    {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
    {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_default, NULL},
    {"poll", NULL, js_poll, NULL, NULL, NULL, napi_default, NULL},
    {"drain", NULL, js_drain, NULL, NULL, NULL, napi_default, NULL},
    {"closeSlot", NULL, js_close_slot, NULL, NULL, NULL, napi_default, NULL},
    {"destroy", NULL, js_destroy, NULL, NULL, NULL, napi_default, NULL},
    {"tuneThread", NULL, js_tune_thread, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
