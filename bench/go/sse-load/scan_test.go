package main

import (
	"fmt"
	"strings"
	"testing"
)

const head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"

// stream builds a chunked SSE body: events seq from..to-1 sent at ms, one chunk per event, with
// the extras real servers add (an id line, a heartbeat comment, better-sse's JSON quotes).
func stream(from, to int, ms int64) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		var ev string
		switch i % 4 {
		case 0:
			ev = fmt.Sprintf("data: %d %d\n\n", i, ms)
		case 1:
			ev = fmt.Sprintf("id: %d\ndata: %d %d\n\n", i, i, ms)
		case 2:
			ev = fmt.Sprintf(": ping\n\nevent: message\r\ndata: \"%d %d\"\r\n\r\n", i, ms)
		default:
			ev = fmt.Sprintf("data: %d %d\n\n", i, ms)
		}
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(ev), ev)
	}
	return b.String()
}

func TestScanEverySplit(t *testing.T) {
	body := head + stream(0, 50, 1000) + stream(49, 50, 1000) + stream(53, 60, 1000)
	for split := 1; split < len(body); split++ {
		var s stats
		c := &conn{lastSeq: -1}
		for i := 0; i < len(body); i += split {
			j := i + split
			if j > len(body) {
				j = len(body)
			}
			if !c.onData([]byte(body[i:j]), 1005, &s) {
				t.Fatalf("split %d: stream ended early", split)
			}
		}
		if s.received != 58 || s.duplicates != 1 || s.gaps != 3 || s.hist[5] != 58 {
			t.Fatalf("split %d: received %d dups %d gaps %d hist[5] %d", split, s.received, s.duplicates, s.gaps, s.hist[5])
		}
	}
}

func TestScanNotOK(t *testing.T) {
	var s stats
	c := &conn{lastSeq: -1}
	if c.onData([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), 0, &s) || c.ok {
		t.Fatal("404 accepted")
	}
}

func BenchmarkScan(b *testing.B) {
	body := []byte(stream(0, 1000, 1732400000000))
	var s stats
	c := &conn{lastSeq: -1, headDone: true, ok: true, chunked: true}
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	defer func() { b.ReportMetric(float64(b.N*1000), "events") }()
	for i := 0; i < b.N; i++ {
		c.lastSeq = -1
		c.onData(body, 1732400000005, &s)
	}
}
