package main

// -io net: one goroutine per connection on net.Conn, a portable cross-check of the epoll
// transport. Every read takes the shared mutex around the scan. It costs more per event than the
// epoll loop and than the Node client (goroutine wake-up per read): not for measuring.

import (
	"net"
	"time"
)

func startNet(c *client) {
	sem := make(chan struct{}, maxPending)
	go func() {
		for i := 0; i < c.n; i++ {
			sem <- struct{}{}
			k := &conn{lastSeq: -1}
			c.mu.Lock()
			c.opened++
			c.conns = append(c.conns, k)
			c.mu.Unlock()
			go netConn(c, k, sem)
		}
	}()
}

func netConn(c *client, k *conn, sem chan struct{}) {
	nc, err := net.DialTimeout("tcp", c.addr, 30*time.Second)
	if err == nil {
		_, err = nc.Write(c.request)
	}
	<-sem
	c.mu.Lock()
	if err != nil {
		c.failed++
		c.announceLocked()
		c.mu.Unlock()
		if nc != nil {
			nc.Close()
		}
		return
	}
	k.up = true
	c.connected++
	c.announceLocked()
	c.mu.Unlock()
	defer nc.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := nc.Read(buf)
		if n > 0 {
			now := time.Now().UnixMilli()
			c.mu.Lock()
			more := k.onData(buf[:n], now, &c.st)
			if !more && k.headDone && !k.ok {
				c.failed++
			}
			c.mu.Unlock()
			if !more {
				return
			}
		}
		if err != nil {
			c.mu.Lock()
			c.closed++
			c.mu.Unlock()
			return
		}
	}
}
