import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { delaySchedulePrefix } from '../../src/protocol/delays.js';

export interface DelaysProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Delays beyond SQS's 900 s: a Scheduler group for one-time `at(...)`
 * schedules (retries with long backoff, ETAs) and the roles Scheduler
 * assumes to deliver an envelope to its tier queue. Each schedule deletes
 * itself after it fires.
 *
 * Delivery rights follow categories: each category's worker passes only its
 * own delivery role, which may send only to that category's tier queues, so
 * a worker cannot schedule a task into another category (e.g. a forged
 * `payments.record`). Senders outside the stack (the client, the CLI) use
 * {@link deliveryRole}, which reaches every tier queue and which no worker
 * may pass.
 */
export class Delays extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /**
   * Assumed by Scheduler for senders' delayed tasks (output `DelayRoleArn`);
   * may send to the queues passed to {@link allowDeliveryTo}. No worker may pass it.
   */
  readonly deliveryRole: iam.Role;
  private readonly categoryRoles = new Map<string, iam.Role>();

  constructor(scope: Construct, id: string, props: DelaysProps = {}) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.deliveryRole = this.schedulerRole(
      'DeliveryRole',
      'Lets EventBridge Scheduler deliver delayed Lovage tasks sent by clients to their tier queues',
    );
  }

  /**
   * The role Scheduler assumes for one-time schedules created by `category`'s
   * worker: it may send only to the queues passed to {@link allowCategoryDeliveryTo}.
   */
  categoryDeliveryRole(category: string): iam.Role {
    let role = this.categoryRoles.get(category);
    if (!role) {
      role = this.schedulerRole(
        `${category}-DeliveryRole`,
        `Lets EventBridge Scheduler deliver the '${category}' worker's delayed tasks to its own tier queues`,
      );
      this.categoryRoles.set(category, role);
    }
    return role;
  }

  /** Lets senders' delayed schedules deliver to `queue` (sqs:SendMessage on it). */
  allowDeliveryTo(queue: sqs.IQueue): void {
    queue.grantSendMessages(this.deliveryRole);
  }

  /** Lets `category`'s delayed schedules deliver to `queue`, one of its own tier queues. */
  allowCategoryDeliveryTo(category: string, queue: sqs.IQueue): void {
    queue.grantSendMessages(this.categoryDeliveryRole(category));
  }

  /**
   * Lets `grantee` (the worker of `category`) create and delete its own
   * category's one-time schedules in the delay group and pass its category's
   * delivery role to Scheduler, and no other role: scheduler:CreateSchedule,
   * scheduler:DeleteSchedule, scheduler:GetSchedule on the group's schedules
   * named `lovage-<category>.*` (so no worker can delete or block another
   * category's delayed task); iam:PassRole on that one role, to
   * scheduler.amazonaws.com only.
   */
  grantScheduleDelays(grantee: iam.IGrantable, category: string): iam.Grant {
    return this.grantSchedules(
      grantee,
      this.categoryDeliveryRole(category),
      `${delaySchedulePrefix(category)}*`,
    );
  }

  /**
   * Lets `grantee` act as a client (the monitoring API sending and revoking
   * tasks): the same schedule actions, and iam:PassRole on the senders'
   * delivery role, which may deliver to every tier queue.
   */
  grantClientDelays(grantee: iam.IGrantable): iam.Grant {
    return this.grantSchedules(grantee, this.deliveryRole, '*');
  }

  private grantSchedules(grantee: iam.IGrantable, role: iam.IRole, names: string): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'scheduler',
          resource: 'schedule',
          resourceName: `${this.group.scheduleGroupName}/${names}`,
        }),
      ],
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    return grant;
  }

  /**
   * A role only EventBridge Scheduler of this account may assume, and only
   * for schedules of this stack's delay group (confused-deputy protection).
   */
  private schedulerRole(id: string, description: string): iam.Role {
    const stack = Stack.of(this);
    return new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: this.group.scheduleGroupName,
            }),
          },
        },
      }),
      description,
    });
  }
}
