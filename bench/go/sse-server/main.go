// sse-server: hand-written Go net/http SSE fan-out, the "Go net/http" row of bench/sse-fanout.ts.
// It does what the Node comparison servers do (bench/servers/node-http-sse.ts + _control.ts):
//
//	GET /sse     text/event-stream, headers flushed at once; every broadcast event is written as
//	             one preformatted frame `data: <seq> <unix ms>\n\n`
//	GET /stream  16 KiB chunks of 'a' as fast as the client reads (the write blocks: backpressure)
//	else         404
//
// Control on stdin, as bench/servers/_control.ts: `start <rate> <seconds>` broadcasts rate events/s
// for seconds (a ticker every max(1, 1000/rate) ms that sends every event due, catching up in a
// burst when late) then prints `done <sent> <ms>`; `count` prints `clients <n>`. Prints
// `listening <port>` once listening on 127.0.0.1:$PORT; exits when stdin closes.
//
// The broadcast formats the frame once and appends it to each stream's queue (never blocks, never
// drops, like res.write in node:http); each stream's handler goroutine writes what is queued and
// flushes once per wake-up.
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

type stream struct {
	mu    sync.Mutex
	queue [][]byte
	wake  chan struct{} // capacity 1
}

var (
	mu      sync.Mutex
	streams = map[*stream]struct{}{}
	chunk   = []byte(strings.Repeat("a", 16*1024))
)

func broadcast(payload string) {
	frame := []byte("data: " + payload + "\n\n")
	mu.Lock()
	defer mu.Unlock()
	for s := range streams {
		s.mu.Lock()
		s.queue = append(s.queue, frame)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func sse(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "no flusher", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	s := &stream{wake: make(chan struct{}, 1)}
	mu.Lock()
	streams[s] = struct{}{}
	mu.Unlock()
	defer func() {
		mu.Lock()
		delete(streams, s)
		mu.Unlock()
	}()
	var batch [][]byte
	done := r.Context().Done()
	for {
		select {
		case <-done:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.mu.Unlock()
		for _, f := range batch {
			if _, err := w.Write(f); err != nil {
				return
			}
		}
		for i := range batch {
			batch[i] = nil
		}
		fl.Flush()
	}
}

func streamChunks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

func control() {
	running := false
	var runMu sync.Mutex
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "count":
			mu.Lock()
			n := len(streams)
			mu.Unlock()
			fmt.Printf("clients %d\n", n)
		case f[0] == "start" && len(f) == 3:
			runMu.Lock()
			if running {
				runMu.Unlock()
				continue
			}
			running = true
			runMu.Unlock()
			rate, _ := strconv.ParseFloat(f[1], 64)
			seconds, _ := strconv.ParseFloat(f[2], 64)
			go func() {
				publish(rate, seconds)
				runMu.Lock()
				running = false
				runMu.Unlock()
			}()
		}
	}
	// The orchestrator closing our stdin means it is gone: do not linger.
	os.Exit(0)
}

// publish mirrors _control.ts: setInterval(tick, max(1, floor(1000/rate))), each tick sending
// every event due by now (catching up in a burst when late).
func publish(rate, seconds float64) {
	total := int64(rate*seconds + 0.5)
	every := time.Duration(1000/rate) * time.Millisecond
	if every < time.Millisecond {
		every = time.Millisecond
	}
	var sent int64
	t0 := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for range tick.C {
		due := int64(float64(time.Since(t0).Nanoseconds())/1e6*rate/1000) + 1
		if due > total {
			due = total
		}
		for ; sent < due; sent++ {
			broadcast(strconv.FormatInt(sent, 10) + " " + strconv.FormatInt(time.Now().UnixMilli(), 10))
		}
		if sent >= total {
			fmt.Printf("done %d %d\n", sent, time.Since(t0).Milliseconds())
			return
		}
	}
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/sse":
			sse(w, r)
		case r.Method == http.MethodGet && r.URL.Path == "/stream":
			streamChunks(w, r)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "listen: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	go control()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(1)
	}
}
