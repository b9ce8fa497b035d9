import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DelaysProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Delays beyond SQS's 900 s: a Scheduler group for one-time `at(...)`
 * schedules (retries with long backoff, ETAs) and the role Scheduler assumes
 * to deliver the envelope to its tier queue. Each schedule deletes itself
 * after it fires.
 */
export class Delays extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /** Assumed by EventBridge Scheduler; may only send to the queues passed to {@link allowDeliveryTo}. */
  readonly deliveryRole: iam.Role;

  constructor(scope: Construct, id: string, props: DelaysProps = {}) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const { account } = Stack.of(this);
    this.deliveryRole = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Lets EventBridge Scheduler deliver delayed Lovage tasks to their tier queues',
    });
  }

  /** Lets delayed schedules deliver to `queue`. */
  allowDeliveryTo(queue: sqs.IQueue): void {
    queue.grantSendMessages(this.deliveryRole);
  }

  /**
   * Lets `grantee` create and delete one-time schedules in the delay group
   * and pass the delivery role to Scheduler: scheduler:CreateSchedule,
   * scheduler:DeleteSchedule, scheduler:GetSchedule, iam:PassRole.
   */
  grantScheduleDelays(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'scheduler',
          resource: 'schedule',
          resourceName: `${this.group.scheduleGroupName}/*`,
        }),
      ],
    });
    this.deliveryRole.grantPassRole(grantee.grantPrincipal);
    return grant;
  }
}
