#include "engine/exec/executor.h"

#include <algorithm>

#include "engine/base/check.h"

namespace weir::exec {

Executor::Executor(int threads) {
  if (threads <= 0)
    threads = static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(threads, 1);
  workers_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
}

Executor::~Executor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Executor::Submit(std::shared_ptr<Task> task) {
  {
    std::lock_guard lock(mu_);
    WEIR_CHECK(task->sched_ == Task::Sched::kNew);
    task->sched_ = Task::Sched::kReady;
    ready_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void Executor::Wake(Task& task) {
  std::unique_lock lock(mu_);
  task.backoff_ = std::chrono::microseconds(0);
  switch (task.sched_) {
    case Task::Sched::kSleeping:
      // Its timer stays queued but is ignored: the generation moved on.
      ++task.sleep_generation_;
      task.sched_ = Task::Sched::kReady;
      ready_.push_back(task.shared_from_this());
      lock.unlock();
      cv_.notify_one();
      return;
    case Task::Sched::kRunning:
      task.wake_pending_ = true;
      return;
    default:
      return;
  }
}

void Executor::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    if (stop_) return;
    // Timers that are due make their tasks ready.
    Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.top().when <= now) {
      Timer t = timers_.top();
      timers_.pop();
      Task& task = *t.task;
      if (task.sched_ == Task::Sched::kSleeping &&
          task.sleep_generation_ == t.generation) {
        task.sched_ = Task::Sched::kReady;
        ready_.push_back(std::move(t.task));
      }
    }
    if (ready_.empty()) {
      if (timers_.empty()) {
        cv_.wait(lock);
      } else {
        // A copy: the queue may reallocate while the lock is released.
        const Clock::time_point next = timers_.top().when;
        cv_.wait_until(lock, next);
      }
      continue;
    }
    std::shared_ptr<Task> task = std::move(ready_.front());
    ready_.pop_front();
    task->sched_ = Task::Sched::kRunning;
    task->wake_pending_ = false;
    // Another worker takes over the remaining ready tasks and the timers
    // while this one runs a step.
    if (!ready_.empty() || !timers_.empty()) cv_.notify_one();
    lock.unlock();
    StepResult result = task->Step();
    lock.lock();
    switch (result) {
      case StepResult::kDone:
        task->sched_ = Task::Sched::kDone;
        break;
      case StepResult::kProgress:
        task->backoff_ = std::chrono::microseconds(0);
        task->sched_ = Task::Sched::kReady;
        ready_.push_back(std::move(task));
        break;
      case StepResult::kIdle:
        if (task->wake_pending_) {
          task->sched_ = Task::Sched::kReady;
          ready_.push_back(std::move(task));
          break;
        }
        task->backoff_ = task->backoff_.count() == 0
                             ? kMinBackoff
                             : std::min(task->backoff_ * 2, kMaxBackoff);
        task->sched_ = Task::Sched::kSleeping;
        ++task->sleep_generation_;
        {
          Clock::time_point when = Clock::now() + task->backoff_;
          // Workers waiting for a later timer must re-arm for this one.
          bool earliest = timers_.empty() || when < timers_.top().when;
          timers_.push(Timer{when, task->sleep_generation_, std::move(task)});
          if (earliest) cv_.notify_one();
        }
        break;
    }
  }
}

}  // namespace weir::exec
