#pragma once

// A fixed pool of worker threads that runs the tasks of every query.
//
// A task is a unit of work with a step function (Executor::Task::Step) that
// does a bounded amount of work -- one source batch through its operator
// chain, one input batch from an exchange queue -- and says what happened:
// progress (run it again soon), idle (nothing to do now: no input, or
// downstream cannot take more) or done. Idle tasks are backed off (1 ms,
// doubling to 10 ms) on a timer without occupying a worker, so many more
// tasks than threads can run, and a task that waits never holds a thread
// another task needs. A task runs on at most one worker at a time, so its
// state needs no locking; it may move between workers from step to step.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace weir::exec {

class Executor {
 public:
  /// What a step did; decides when the task runs next.
  enum class StepResult {
    kProgress,  // did some work: queue it again behind the other ready tasks
    kIdle,      // nothing to do now (no input, downstream full): back off
    kDone,      // finished: the executor drops it
  };

  /// A schedulable unit. Step is called by one worker at a time; it must
  /// not block for long (no waiting for data or for space downstream:
  /// return kIdle instead). The executor keeps a shared reference from
  /// Submit until Step returns kDone.
  class Task : public std::enable_shared_from_this<Task> {
   public:
    virtual ~Task() = default;
    virtual StepResult Step() = 0;

   private:
    friend class Executor;
    enum class Sched { kNew, kReady, kRunning, kSleeping, kDone };
    // Guarded by the executor's mutex.
    Sched sched_ = Sched::kNew;
    bool wake_pending_ = false;      // Wake() while running: do not back off
    uint64_t sleep_generation_ = 0;  // invalidates timers of earlier sleeps
    std::chrono::microseconds backoff_{0};
  };

  /// Starts `threads` workers; 0 means std::thread::hardware_concurrency()
  /// (at least 1). Cannot fail.
  explicit Executor(int threads = 0);
  /// Stops and joins the workers. Destroy the executor only after every
  /// query that uses it (RunningQuery's destructor waits for its own tasks,
  /// never for the pool); tasks still queued are dropped without a step.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  int threads() const { return static_cast<int>(workers_.size()); }

  /// Queues `task` to run. Thread-safe. A task is submitted once.
  void Submit(std::shared_ptr<Task> task);

  /// Runs a backed-off task now instead of at the end of its back-off (new
  /// input arrived, space downstream, cancellation) and resets its
  /// back-off. If the task is running, its next step follows without
  /// back-off. No-op for done tasks. Thread-safe; `task` must be alive
  /// (the caller holds a reference).
  void Wake(Task& task);

  static constexpr std::chrono::microseconds kMinBackoff{1000};
  static constexpr std::chrono::microseconds kMaxBackoff{10000};

 private:
  using Clock = std::chrono::steady_clock;
  struct Timer {
    Clock::time_point when;
    uint64_t generation;
    std::shared_ptr<Task> task;
    bool operator>(const Timer& o) const { return when > o.when; }
  };

  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<std::shared_ptr<Task>> ready_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::vector<std::thread> workers_;
};

}  // namespace weir::exec
