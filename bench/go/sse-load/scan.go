package main

// Per-connection byte scanner: HTTP/1.1 response head, chunked transfer framing and SSE lines,
// with no allocation per event (the response head is the only thing copied, once per connection).
// An event ends at a blank line; an event counts if it had a `data:` line. The bench servers send
// `data: <seq> <Date.now()>` (better-sse JSON-quotes it: `data: "<seq> <ms>"`); the scanner reads
// both numbers as it goes, so latency costs a few integer operations per digit.

import "bytes"

// Chunked-transfer states.
const (
	csSize = iota
	csExt
	csData
	csCRLF
)

// SSE line states.
const (
	lField = iota // matching "data:" at the start of a line
	lSeq
	lTs
	lSkip
)

var dataField = [5]byte{'d', 'a', 't', 'a', ':'}

// histMaxMs bounds the 1 ms latency histogram (the send time is in milliseconds).
const histMaxMs = 60_000

// stats is shared by every connection of one transport; the epoll transport is single-threaded,
// the goroutine transport (-io net) serialises record() with a mutex per read.
type stats struct {
	received   uint64
	gaps       uint64
	duplicates uint64
	hist       [histMaxMs + 1]uint32
}

func (s *stats) reset() {
	s.received, s.gaps, s.duplicates = 0, 0, 0
	s.hist = [histMaxMs + 1]uint32{}
}

type conn struct {
	fd        int
	up        bool // request written
	closed    bool
	headDone  bool
	ok        bool // 200 response
	chunked   bool
	head      []byte
	cs        int
	chunkLeft int
	lineLen   int
	line      int
	match     int
	digits    int
	seq       int64
	ts        int64
	hasEvent  bool
	lastSeq   int64
}

// onData consumes one read. now is the wall clock in ms, read once per read (not per event).
// It returns false when the stream is over (non-200 response or last chunk).
func (c *conn) onData(b []byte, now int64, s *stats) bool {
	if !c.headDone {
		c.head = append(c.head, b...)
		end := bytes.Index(c.head, []byte("\r\n\r\n"))
		if end < 0 {
			if len(c.head) > 64<<10 {
				return false
			}
			return true
		}
		head := bytes.ToLower(c.head[:end])
		c.headDone = true
		c.ok = bytes.HasPrefix(head, []byte("http/1.1 200")) || bytes.HasPrefix(head, []byte("http/1.0 200"))
		c.chunked = bytes.Contains(head, []byte("\r\ntransfer-encoding: chunked")) ||
			bytes.Contains(head, []byte("\r\ntransfer-encoding:chunked"))
		consumed := end + 4 - (len(c.head) - len(b))
		c.head = nil
		if !c.ok {
			return false
		}
		b = b[consumed:]
	}
	if !c.chunked {
		c.scan(b, now, s)
		return true
	}
	i, n := 0, len(b)
	for i < n {
		if c.cs == csData {
			take := c.chunkLeft
			if take > n-i {
				take = n - i
			}
			c.scan(b[i:i+take], now, s)
			i += take
			c.chunkLeft -= take
			if c.chunkLeft == 0 {
				c.cs = csCRLF
			}
			continue
		}
		x := b[i]
		i++
		switch c.cs {
		case csSize:
			switch {
			case x == '\n':
				if c.chunkLeft == 0 {
					return false // last chunk: the server ended the stream
				}
				c.cs = csData
			case x == ';':
				c.cs = csExt
			case x != '\r':
				v := int(x) - '0'
				if x > '9' {
					v = int(x|0x20) - 'a' + 10
				}
				c.chunkLeft = c.chunkLeft*16 + v
			}
		case csExt:
			if x == '\n' {
				if c.chunkLeft == 0 {
					c.cs = csSize
				} else {
					c.cs = csData
				}
			}
		default: // csCRLF: the CRLF after a chunk's data
			if x == '\n' {
				c.cs = csSize
				c.chunkLeft = 0
			}
		}
	}
	return true
}

// scan handles SSE body bytes: whole lines found with bytes.IndexByte (vectorised) and parsed
// in place; a line cut by the end of a read or chunk goes through the byte machine (scanSlow),
// which keeps its state until the next call.
func (c *conn) scan(b []byte, now int64, s *stats) {
	i := 0
	if c.lineLen != 0 {
		i = c.scanSlow(b, now, s, true)
	}
	hasEvent := c.hasEvent
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			c.hasEvent = hasEvent
			c.scanSlow(b[i:], now, s, false)
			return
		}
		line := b[i : i+j]
		i += j + 1
		if j > 0 && line[j-1] == '\r' {
			line = line[:j-1]
		}
		if len(line) == 0 {
			// Blank line: the end of an event (comments and heartbeats carry no data).
			if hasEvent {
				c.record(c.seq, c.ts, now, s)
				hasEvent = false
			}
			continue
		}
		if len(line) >= 5 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a' && line[4] == ':' {
			c.seq, c.ts, hasEvent = parseData(line[5:])
		}
	}
	c.hasEvent = hasEvent
}

// parseData reads `<seq> <ms>` (spaces and a JSON quote allowed before seq) from a data value.
func parseData(p []byte) (seq, ts int64, ok bool) {
	k := 0
	for k < len(p) && (p[k] == ' ' || p[k] == '"') {
		k++
	}
	digits := 0
	for ; k < len(p) && p[k] >= '0' && p[k] <= '9'; k++ {
		seq = seq*10 + int64(p[k]-'0')
		digits++
	}
	if digits == 0 || (k < len(p) && p[k] != ' ' && p[k] != '"') {
		return 0, 0, false // not our payload
	}
	for k++; k < len(p) && p[k] >= '0' && p[k] <= '9'; k++ {
		ts = ts*10 + int64(p[k]-'0')
	}
	return seq, ts, true
}

// scanSlow is the byte-at-a-time line machine, for lines split across calls. With oneLine it
// stops after the first newline and returns the index after it (or len(b)).
func (c *conn) scanSlow(b []byte, now int64, s *stats, oneLine bool) int {
	lineLen, line, match, digits, seq, ts, hasEvent := c.lineLen, c.line, c.match, c.digits, c.seq, c.ts, c.hasEvent
	i := 0
	for i < len(b) {
		x := b[i]
		i++
		if x == '\n' {
			if lineLen == 0 {
				if hasEvent {
					c.record(seq, ts, now, s)
				}
				hasEvent = false
			}
			lineLen, line, match = 0, lField, 0
			if oneLine {
				break
			}
			continue
		}
		if x == '\r' {
			continue
		}
		lineLen++
		switch line {
		case lField:
			if x == dataField[match] {
				match++
				if match == 5 {
					line, hasEvent, seq, ts, digits = lSeq, true, 0, 0, 0
				}
			} else {
				line = lSkip
			}
		case lSeq:
			if x >= '0' && x <= '9' {
				seq = seq*10 + int64(x-'0')
				digits++
			} else if x == ' ' && digits > 0 {
				line = lTs
			} else if x != ' ' && x != '"' {
				line, hasEvent = lSkip, false // not our payload
			}
		case lTs:
			if x >= '0' && x <= '9' {
				ts = ts*10 + int64(x-'0')
			} else {
				line = lSkip
			}
		}
	}
	c.lineLen, c.line, c.match, c.digits, c.seq, c.ts, c.hasEvent = lineLen, line, match, digits, seq, ts, hasEvent
	return i
}

func (c *conn) record(seq, ts, now int64, s *stats) {
	s.received++
	lat := now - ts
	if lat < 0 {
		lat = 0
	} else if lat > histMaxMs {
		lat = histMaxMs
	}
	s.hist[lat]++
	switch {
	case seq > c.lastSeq+1:
		s.gaps += uint64(seq - c.lastSeq - 1)
		c.lastSeq = seq
	case seq == c.lastSeq+1:
		c.lastSeq = seq
	default:
		s.duplicates++ // a sequence number seen before (or out of order)
	}
}
