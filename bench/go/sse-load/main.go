// sse-load: an SSE load client for Sluice's fan-out bench. It opens N HTTP/1.1 connections to one
// SSE URL and, per connection, scans the bytes it reads for the blank line that ends each event,
// reading only the `<seq> <send time ms>` of the data line (no per-event allocation, no objects):
// events received, gaps (skipped sequence numbers), duplicates, publish-to-deliver latency
// (1 ms histogram, every event, the clock read once per read()), and its own CPU (getrusage).
//
// Default transport (-io epoll, Linux): one thread, raw non-blocking sockets on an edge-triggered
// epoll, one read() per readiness; epoll_wait and read are raw syscalls, so the Go scheduler's
// sysmon does not wake every 20 us around them. -io net: a goroutine per connection on net.Conn
// (portable, costlier; a cross-check). At 1,000 x 100 events/s it costs about 2.4 us of CPU per
// event, ~90% of it the kernel's TCP receive path (read() and the ACK it sends); see BENCHMARKS.md.
//
// Two modes:
//   - control (default, what bench/sse-fanout.ts drives; same protocol as bench/sse-client.ts):
//     env PORT, SSE_PATH (/sse), CLIENTS (1000). Prints `connected <ok> <failed>` once every
//     connection has its request written; stdin `start` resets the counters and the CPU baseline (answers `started`),
//     `report <sent>` prints `result <json>`. Exits when stdin closes.
//   - standalone: sse-load -url http://127.0.0.1:3000/sse -n 1000 -duration 10s [-sent 1000]
//     connects, counts for -duration, prints one JSON line.
//
// Standard library only: go build -o /tmp/sse-load ./sse-load   (from bench/go)
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const maxPending = 100 // connections being opened at once

// client is the state shared by the transport and the control loop; mu guards all of it (the
// epoll loop holds it per batch of ready sockets, the net transport per read).
type client struct {
	mu        sync.Mutex
	n         int
	addr      string // host:port
	request   []byte
	st        stats
	conns     []*conn
	opened    int
	connected int
	failed    int
	closed    int // closed after connecting (server ended or reset the stream)
	announced bool
	wakeups   uint64 // epoll transport: epoll_wait returns with ready sockets
	reads     uint64 // epoll transport: read() calls
	onReady   func(ok, failed int)
	cpu0      syscall.Rusage
	t0        time.Time
}

type result struct {
	Client           string  `json:"client"`
	Opened           int     `json:"opened"`
	Clients          int     `json:"clients"` // connections open with a 200 response (or awaiting one)
	Failed           int     `json:"failed"`
	Closed           int     `json:"closed"`
	Sent             int64   `json:"sent"`     // events the server sent (from the orchestrator), -1 if unknown
	Expected         int64   `json:"expected"` // sent x clients, -1 if unknown
	Received         uint64  `json:"received"`
	Delivered        float64 `json:"delivered"`
	Gaps             uint64  `json:"gaps"`   // sequence numbers skipped while later ones arrived
	Missed           uint64  `json:"missed"` // same as gaps
	Duplicates       uint64  `json:"duplicates"`
	P50Ms            float64 `json:"p50Ms"`
	P99Ms            float64 `json:"p99Ms"`
	MaxMs            float64 `json:"maxMs"`
	CPUUserS         float64 `json:"cpuUserS"`
	CPUSysS          float64 `json:"cpuSysS"`
	ClientCPUPct     float64 `json:"clientCpuPct"` // (user + sys) / wall, % of one core
	ClientUsPerEvent float64 `json:"clientUsPerEvent"`
	Seconds          float64 `json:"seconds"` // wall time since start
	LatencySampling  int     `json:"latencySampling"`
	Wakeups          uint64  `json:"wakeups,omitempty"`
	Reads            uint64  `json:"reads,omitempty"`
}

func (c *client) announceLocked() {
	if !c.announced && c.connected+c.failed >= c.n {
		c.announced = true
		if c.onReady != nil {
			c.onReady(c.connected, c.failed)
		}
	}
}

func (c *client) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.reset()
	c.wakeups, c.reads = 0, 0
	for _, k := range c.conns {
		k.lastSeq = -1
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &c.cpu0)
	c.t0 = time.Now()
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func (c *client) report(sent int64, io string) result {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c.mu.Lock()
	defer c.mu.Unlock()
	secs := time.Since(c.t0).Seconds()
	live := 0
	for _, k := range c.conns {
		if k.up && (!k.headDone || k.ok) {
			live++
		}
	}
	r := result{
		Client: "go-" + io, Opened: c.opened, Clients: live, Failed: c.failed, Closed: c.closed,
		Sent: sent, Expected: -1, Received: c.st.received, Gaps: c.st.gaps, Missed: c.st.gaps,
		Duplicates: c.st.duplicates, Seconds: secs, LatencySampling: 1, Wakeups: c.wakeups, Reads: c.reads,
		CPUUserS: tv(ru.Utime) - tv(c.cpu0.Utime), CPUSysS: tv(ru.Stime) - tv(c.cpu0.Stime),
	}
	if sent >= 0 {
		r.Expected = sent * int64(live)
		if r.Expected > 0 {
			r.Delivered = float64(r.Received) / float64(r.Expected)
		}
	}
	r.P50Ms = c.percentile(50)
	r.P99Ms = c.percentile(99)
	r.MaxMs = -1
	for i := histMaxMs; i >= 0; i-- {
		if c.st.hist[i] != 0 {
			r.MaxMs = float64(i)
			break
		}
	}
	cpu := r.CPUUserS + r.CPUSysS
	if secs > 0 {
		r.ClientCPUPct = cpu / secs * 100
	}
	if r.Received > 0 {
		r.ClientUsPerEvent = cpu / float64(r.Received) * 1e6
	}
	return r
}

func (c *client) percentile(p float64) float64 {
	total := c.st.received
	if total == 0 {
		return -1
	}
	target := uint64(p / 100 * float64(total))
	if float64(target) < p/100*float64(total) {
		target++
	}
	var acc uint64
	for i, v := range c.st.hist {
		acc += uint64(v)
		if acc >= target {
			return float64(i)
		}
	}
	return histMaxMs
}

func main() {
	rawURL := flag.String("url", "", "SSE URL (default http://127.0.0.1:$PORT$SSE_PATH)")
	n := flag.Int("n", envInt("CLIENTS", 1000), "connections")
	duration := flag.Duration("duration", 0, "standalone: count for this long, print one JSON line, exit")
	sent := flag.Int64("sent", -1, "standalone: events the server will send (for expected/delivered)")
	io := flag.String("io", "epoll", "transport: epoll (Linux, one thread) or net (goroutine per connection)")
	coalesce := flag.Duration("coalesce", 0, "epoll: pause after each batch of ready sockets")
	flag.Parse()

	if *rawURL == "" {
		path := os.Getenv("SSE_PATH")
		if path == "" {
			path = "/sse"
		}
		*rawURL = "http://127.0.0.1:" + os.Getenv("PORT") + path
	}
	u, err := url.Parse(*rawURL)
	if err != nil || u.Scheme != "http" || u.Port() == "" {
		fatal("bad -url %q (http://host:port/path)", *rawURL)
	}
	path := u.RequestURI()
	c := &client{
		n:    *n,
		addr: u.Host,
		request: []byte("GET " + path + " HTTP/1.1\r\nHost: " + u.Host +
			"\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"),
	}
	ready := make(chan [2]int, 1)
	c.onReady = func(ok, failed int) { ready <- [2]int{ok, failed} }

	switch *io {
	case "epoll":
		addr, err := net.ResolveTCPAddr("tcp4", u.Host)
		if err != nil {
			fatal("resolve %s: %v", u.Host, err)
		}
		if err := startEpoll(c, addr, *coalesce); err != nil {
			fatal("epoll: %v", err)
		}
	case "net":
		startNet(c)
	default:
		fatal("-io must be epoll or net")
	}

	out := bufio.NewWriter(os.Stdout)
	emit := func(line string) {
		out.WriteString(line)
		out.WriteByte('\n')
		out.Flush()
	}

	if *duration > 0 {
		r := <-ready
		if r[0] == 0 {
			fatal("no connection opened (%d failed)", r[1])
		}
		c.start()
		time.Sleep(*duration)
		b, _ := json.Marshal(c.report(*sent, *io))
		emit(string(b))
		return
	}

	go func() {
		r := <-ready
		emit(fmt.Sprintf("connected %d %d", r[0], r[1]))
	}()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "start":
			c.start()
			// The orchestrator starts the broadcast only after this: an event read before the
			// reset would otherwise leave its successors looking like gaps.
			emit("started")
		case "report":
			s := int64(-1)
			if len(f) > 1 {
				if v, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					s = v
				}
			}
			b, _ := json.Marshal(c.report(s, *io))
			emit("result " + string(b))
		}
	}
	// The orchestrator closing our stdin means it is gone.
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func fatal(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "sse-load: "+f+"\n", a...)
	os.Exit(1)
}
