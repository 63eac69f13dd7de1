// The reference for WhoAmI's GoDuration: Go's own time.ParseDuration. One string per line on stdin; one line per
// string on stdout: "ok NANOSECONDS" or "error". Built and run by WhoAmI.Tests/References/GoDurationTests.cs.
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		if d, err := time.ParseDuration(in.Text()); err != nil {
			fmt.Fprintln(out, "error")
		} else {
			fmt.Fprintf(out, "ok %d\n", int64(d))
		}
	}
}
