package main

// -io epoll: one goroutine, raw non-blocking sockets on an edge-triggered epoll (a level-triggered
// one polls every reported socket once more on the next epoll_wait). One read() per readiness into
// a 64 KiB buffer, again only if it came back full. read() is a raw syscall (non-blocking, so the
// scheduler need not know).

import (
	"errors"
	"net"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

type epollIO struct {
	c       *client
	epfd    int
	sa      syscall.SockaddrInet4
	byFd    []*conn
	pending int
	// coalesce (-coalesce, default 0): pause after each batch so that the next epoll_wait returns
	// many sockets. At 1,000 x 100 events/s 1 ms cut wake-ups 18x but not the CPU (the cost is per
	// read(), one per event either way), and it adds up to its length to the measured latency.
	coalesce time.Duration
	buf      [64 << 10]byte
}

func startEpoll(c *client, addr *net.TCPAddr, coalesce time.Duration) error {
	ip4 := addr.IP.To4()
	if ip4 == nil {
		return errors.New("IPv4 address needed")
	}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	e := &epollIO{c: c, epfd: epfd, sa: syscall.SockaddrInet4{Port: addr.Port}, coalesce: coalesce}
	copy(e.sa.Addr[:], ip4)
	c.mu.Lock()
	e.openMore()
	c.mu.Unlock()
	go e.loop()
	return nil
}

func (e *epollIO) openMore() {
	c := e.c
	for c.opened < c.n && e.pending < maxPending {
		c.opened++
		k := &conn{fd: -1, lastSeq: -1}
		c.conns = append(c.conns, k)
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			c.failed++
			continue
		}
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		err = syscall.Connect(fd, &e.sa)
		if err != nil && err != syscall.EINPROGRESS {
			syscall.Close(fd)
			c.failed++
			continue
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLOUT, Fd: int32(fd)}
		if err := syscall.EpollCtl(e.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			syscall.Close(fd)
			c.failed++
			continue
		}
		k.fd = fd
		for fd >= len(e.byFd) {
			e.byFd = append(e.byFd, nil)
		}
		e.byFd[fd] = k
		e.pending++
	}
	c.announceLocked()
}

func (e *epollIO) drop(k *conn) {
	syscall.Close(k.fd) // also removes it from the epoll set
	e.byFd[k.fd] = nil
	k.closed = true
}

// rawEpollWait blocks in epoll_wait without telling the scheduler (a raw syscall): Go's usual
// entersyscall/exitsyscall around a blocking call keeps its sysmon thread waking every 20 us to
// retake the P, which cost more than the reads. The control goroutine runs when the scheduler's
// preemption signal interrupts the wait (EINTR, at most every ~10 ms) or on the timeout.
func rawEpollWait(epfd int, events []syscall.EpollEvent, msec int) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	return int(n), errno
}

const epollET = 1 << 31 // EPOLLET (syscall.EPOLLET is a negative int constant)

func rawRead(fd int, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
}

func (e *epollIO) loop() {
	c := e.c
	events := make([]syscall.EpollEvent, 256)
	for {
		n, errno := rawEpollWait(e.epfd, events, 100)
		if errno != 0 || n == 0 {
			if errno != 0 && errno != syscall.EINTR {
				fatal("epoll_wait: %v", errno)
			}
			// Interrupted (the scheduler's preemption signal) or idle: let the control goroutine run.
			runtime.Gosched()
			continue
		}
		c.mu.Lock()
		c.wakeups++
		for i := 0; i < n; i++ {
			ev := events[i]
			fd := int(ev.Fd)
			if fd >= len(e.byFd) || e.byFd[fd] == nil {
				continue
			}
			k := e.byFd[fd]
			if !k.up {
				e.onConnect(k, ev.Events)
				continue
			}
			e.readAll(k)
		}
		c.mu.Unlock()
		if e.coalesce > 0 {
			ts := syscall.NsecToTimespec(int64(e.coalesce))
			syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
		}
	}
}

// readAll reads a ready socket until a read comes back short: with edge-triggered epoll that
// read emptied the receive queue (TCP), so no further read is needed to see EAGAIN.
func (e *epollIO) readAll(k *conn) {
	c := e.c
	for {
		m, errno := rawRead(k.fd, e.buf[:])
		c.reads++
		switch {
		case m > 0:
			if !k.onData(e.buf[:m], time.Now().UnixMilli(), &c.st) {
				if k.headDone && !k.ok {
					c.failed++
				} else {
					c.closed++
				}
				e.drop(k)
				return
			}
			if m == len(e.buf) {
				continue
			}
		case errno == syscall.EINTR:
			continue
		case m == 0 || (errno != 0 && errno != syscall.EAGAIN):
			c.closed++
			e.drop(k)
		}
		return
	}
}

func (e *epollIO) onConnect(k *conn, events uint32) {
	c := e.c
	e.pending--
	soErr, err := syscall.GetsockoptInt(k.fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
	if err == nil && soErr == 0 && events&syscall.EPOLLOUT != 0 {
		// A fresh socket's send buffer takes a few hundred bytes whole.
		w, werr := syscall.Write(k.fd, c.request)
		if werr == nil && w == len(c.request) {
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET, Fd: int32(k.fd)}
			if syscall.EpollCtl(e.epfd, syscall.EPOLL_CTL_MOD, k.fd, &ev) == nil {
				k.up = true
				c.connected++
				e.openMore()
				return
			}
		}
	}
	c.failed++
	e.drop(k)
	e.openMore()
}
