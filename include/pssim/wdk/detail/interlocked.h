/* detail/interlocked.h: being written */
