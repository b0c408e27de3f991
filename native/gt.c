// The `gt` an agent's session finds first on its PATH, when this machine can build it
// (scripts/build.mjs; src/agents/gt-command.ts chooses it only after it answers a probe).
//
// An agent's hooks run `gt agent report …` on every turn, and agents run `gt mail send`, `gt
// handoff`, `gt nudge` all day. Started as Node, each costs ~100 ms of a core; this program hands
// the call to the town's daemon over its socket and prints the answer in a millisecond or two. It knows no command: it sends the words it was given
// (with the session's GT_* variables, its working folder and the hook's input) and the daemon
// decides, from the same parser the Node launcher uses (src/protocol/daemon-socket.ts), what
// to answer. Anything else, and whatever the daemon does not answer (none running, an older
// one, a refusal, no answer in 5 s), runs the Node gt next to it with the same words and the
// input already read, as if this program had not been there.
//
// No shell sees anything; the input is copied, escaped, never interpreted.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The socket request's version: SOCKET_REQUEST_VERSION in src/protocol/daemon-socket.ts.
#define REQUEST_VERSION 1
// What is read of a hook's input: MAX_HOOK_INPUT_BYTES in src/util/stdin.ts.
#define MAX_INPUT_BYTES (1024 * 1024)
// An answer larger than this is not one the daemon gives: the full command runs instead.
#define MAX_REPLY_BYTES (16 * 1024 * 1024)
#define ANSWER_TIMEOUT_MS 5000
#define PROBE_ANSWER "gt native 1\n"

extern char **environ;

struct buf {
  char *data;
  size_t len, cap;
};

static int grow(struct buf *b, size_t more) {
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap == 0 ? 4096 : b->cap;
  while (cap < b->len + more) cap *= 2;
  char *data = realloc(b->data, cap);
  if (data == NULL) return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

static int put(struct buf *b, const char *s, size_t n) {
  if (grow(b, n) < 0) return -1;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  return 0;
}

static int puts_(struct buf *b, const char *s) { return put(b, s, strlen(s)); }

/** `s` as a JSON string. Bytes of 0x80 and up go as they are (the daemon reads UTF-8). */
static int put_json(struct buf *b, const char *s, size_t n) {
  if (put(b, "\"", 1) < 0) return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      if (put(b, esc, 2) < 0) return -1;
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      if (put(b, esc, 6) < 0) return -1;
    } else if (put(b, (const char *)&s[i], 1) < 0) {
      return -1;
    }
  }
  return put(b, "\"", 1);
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/** A hook's standard input, as the Node launcher reads it: none from a terminal. */
static int read_input(struct buf *in) {
  if (isatty(0)) return 0;
  char chunk[65536];
  while (in->len < MAX_INPUT_BYTES) {
    ssize_t got = read(0, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (put(in, chunk, (size_t)got) < 0) return -1;
  }
  return 0;
}

/** The request line: the words, the session's GT_* variables, the folder and the input. */
static int build_request(struct buf *req, int argc, char **argv, const struct buf *in) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) return -1;
  char head[96];
  snprintf(head, sizeof head, "{\"gt\":\"argv\",\"v\":%d,\"reply\":\"frame\",\"argv\":[",
           REQUEST_VERSION);
  if (puts_(req, head) < 0) return -1;
  for (int i = 1; i < argc; i++)
    if ((i > 1 && puts_(req, ",") < 0) || put_json(req, argv[i], strlen(argv[i])) < 0) return -1;
  if (puts_(req, "],\"env\":{") < 0) return -1;
  int first = 1;
  for (char **e = environ; *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    if (strncmp(*e, "GT_", 3) != 0 || eq == NULL) continue;
    if ((!first && puts_(req, ",") < 0) || put_json(req, *e, (size_t)(eq - *e)) < 0 ||
        puts_(req, ":") < 0 || put_json(req, eq + 1, strlen(eq + 1)) < 0)
      return -1;
    first = 0;
  }
  if (puts_(req, "},\"cwd\":") < 0 || put_json(req, cwd, strlen(cwd)) < 0) return -1;
  if (puts_(req, ",\"input\":") < 0 || put_json(req, in->data ? in->data : "", in->len) < 0)
    return -1;
  return puts_(req, "}\n");
}

/** Waits for `fd` to be ready for `events` until `deadline`; 0 when it is. */
static int wait_fd(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, (int)left);
    if (r > 0) return 0;
    if (r < 0 && errno != EINTR) return -1;
  }
}

/** Sends the request and reads the whole answer; 0 when one came in time. */
static int ask(const char *path, const struct buf *req, struct buf *reply) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return -1;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  long long deadline = now_ms() + ANSWER_TIMEOUT_MS;
  int ok = -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) goto done;
  for (size_t sent = 0; sent < req->len;) {
    if (wait_fd(fd, POLLOUT, deadline) < 0) goto done;
    ssize_t n = send(fd, req->data + sent, req->len - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) goto done;
    sent += (size_t)n;
  }
  for (;;) {
    if (wait_fd(fd, POLLIN, deadline) < 0 || grow(reply, 65536) < 0) goto done;
    ssize_t n = recv(fd, reply->data + reply->len, reply->cap - reply->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0 || reply->len > MAX_REPLY_BYTES) goto done;
    if (n == 0) break;
    reply->len += (size_t)n;
  }
  ok = 0;
done:
  close(fd);
  return ok;
}

static int debugging(void) {
  const char *debug = getenv("GT_DEBUG_HOOK");
  return debug != NULL && strcmp(debug, "1") == 0;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/**
 * Prints an answer framed `GT1 <code> <stdout bytes> <stderr bytes>\n<stdout><stderr>` and
 * gives its exit code; -1 for anything else (`GT1 fallback`, an older daemon's JSON).
 */
static int print_answer(const struct buf *reply) {
  char line[128];
  size_t limit = reply->len < sizeof line ? reply->len : sizeof line;
  const char *nl = memchr(reply->data, '\n', limit);
  if (nl == NULL || reply->len < 4 || memcmp(reply->data, "GT1 ", 4) != 0) return -1;
  size_t head = (size_t)(nl - reply->data) + 1;
  memcpy(line, reply->data, head - 1);
  line[head - 1] = '\0';
  unsigned code;
  size_t out, err;
  int used = 0;
  if (sscanf(line, "GT1 %u %zu %zu%n", &code, &out, &err, &used) != 3 ||
      (size_t)used != head - 1 || code > 255 || out > reply->len || err > reply->len - out ||
      head != reply->len - out - err)
    return -1;
  if (debugging()) write_all(2, "gt: answered by the daemon\n", 27);
  write_all(2, reply->data + head + out, err);
  write_all(1, reply->data + head, out);
  return (int)code;
}

/** Makes `input` our standard input, written into a pipe by a child of ours. */
static int feed_stdin(const struct buf *input) {
  int p[2];
  if (pipe(p) < 0) return -1;
  pid_t feeder = fork();
  if (feeder < 0) return -1;
  if (feeder == 0) {
    close(p[0]);
    _exit(write_all(p[1], input->data != NULL ? input->data : "", input->len) < 0);
  }
  close(p[1]);
  if (dup2(p[0], 0) < 0) return -1;
  close(p[0]);
  return 0;
}

/** The Node gt beside this program: <dist>/gt.cjs, this being <dist>/native/gt. */
static int node_gt(char *script, size_t size) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash == NULL) return -1;
  *slash = '\0';
  slash = strrchr(self, '/');
  if (slash == NULL) return -1;
  *slash = '\0';
  return snprintf(script, size, "%s/gt.cjs", self) < (int)size ? 0 : -1;
}

/**
 * Becomes `node <dist>/gt.cjs <words…>`. After the daemon was asked (`asked`), it does not ask
 * again; with `input` (a hook's, already read), it reads that as its standard input, fed by a
 * child of ours.
 */
static int run_node(int argc, char **argv, int asked, const struct buf *input) {
  char script[PATH_MAX];
  if (node_gt(script, sizeof script) < 0) {
    fprintf(stderr, "gt: cannot find gt.cjs beside %s\n", argv[0]);
    return 127;
  }
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (args == NULL) return 127;
  args[0] = "node";
  args[1] = script;
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  if (asked) {
    if (debugging()) write_all(2, "gt: answered by gt itself\n", 26);
    setenv("GT_HOOK_VIA_DAEMON", "off", 1);
  }
  if (input != NULL && feed_stdin(input) < 0) return 127;
  execvp("node", args);
  fprintf(stderr, "gt: cannot run node: %s\n", strerror(errno));
  return 127;
}

/** Whether `dir` holds mayor/town.json (a town's root), as src/town/layout.ts decides it. */
static int is_town(const char *dir) {
  char marker[PATH_MAX];
  struct stat st;
  int n = snprintf(marker, sizeof marker, "%s/mayor/town.json", dir);
  return n > 0 && (size_t)n < sizeof marker && stat(marker, &st) == 0 && S_ISREG(st.st_mode);
}

/**
 * The town's root, as the Node gt finds it: GT_TOWN_ROOT (or Gas Town's GT_ROOT) when set,
 * else the nearest folder at or above this one holding mayor/town.json (a person's shell in
 * the town). 0 with `root` filled; -1 for none the daemon could answer for (a relative or
 * wrong variable is the Node gt's to explain).
 */
static int town_root(char *root, size_t size) {
  const char *given = getenv("GT_TOWN_ROOT");
  if (given == NULL || given[0] == '\0') given = getenv("GT_ROOT");
  if (given != NULL && given[0] != '\0') {
    if (given[0] != '/' || strlen(given) >= size) return -1;
    strcpy(root, given);
    return 0;
  }
  if (getcwd(root, size) == NULL) return -1;
  for (;;) {
    if (is_town(root)) return 0;
    char *slash = strrchr(root, '/');
    if (slash == NULL || slash == root) return is_town("/") ? (strcpy(root, "/"), 0) : -1;
    *slash = '\0';
  }
}

/**
 * Whether to ask the daemon: 2 for a hook's report (its input goes along), 1 for any other
 * command (the daemon answers the forms src/protocol/daemon-socket.ts reads and hands back the
 * rest, a millisecond's round trip), 0 for none (turned off, or a bare flag).
 */
static int daemon_may_answer(int argc, char **argv) {
  const char *off = getenv("GT_HOOK_VIA_DAEMON");
  if (off != NULL && strcmp(off, "off") == 0) return 0;
  if (argc < 2 || argv[1][0] == '-') return 0;
  return argc >= 4 && strcmp(argv[1], "agent") == 0 && strcmp(argv[2], "report") == 0 ? 2 : 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--native-probe") == 0) {
    fputs(PROBE_ANSWER, stdout);
    return 0;
  }
  int kind = daemon_may_answer(argc, argv);
  if (kind == 0) return run_node(argc, argv, 0, NULL);
  // Only a hook's input is read: any other command's standard input stays its own to read.
  struct buf in = {0}, req = {0}, reply = {0};
  const struct buf *keep = kind == 2 ? &in : NULL;
  char root[PATH_MAX], path[PATH_MAX];
  if (town_root(root, sizeof root) < 0) return run_node(argc, argv, 0, NULL);
  if (kind == 2 && read_input(&in) < 0) return run_node(argc, argv, 1, keep);
  int n = snprintf(path, sizeof path, "%s/daemon/daemon.sock", root);
  if (n < 0 || (size_t)n >= sizeof path || build_request(&req, argc, argv, &in) < 0 ||
      ask(path, &req, &reply) < 0)
    return run_node(argc, argv, 1, keep);
  int code = print_answer(&reply);
  return code < 0 ? run_node(argc, argv, 1, keep) : code;
}
